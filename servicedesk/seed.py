"""Demo accounts for a fresh install, so a newcomer can try the bot before real data is loaded."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from servicedesk.database import sessions
from servicedesk.models import ChannelIdentity, Circuit, Contact, Customer

DEMO_SEED = Path(__file__).with_name("demo_seed.yml")


def _records(spec: dict[str, Any]) -> list[Any]:
    """The customer with its contacts, verified identities and circuits."""
    customer = Customer(**{k: v for k, v in spec.items() if k not in ("contacts", "circuits")})
    records: list[Any] = [customer]
    now = datetime.now(timezone.utc)
    for contact_spec in spec.get("contacts", []):
        contact = Contact(name=contact_spec["name"], mobile=contact_spec["mobile"], customer=customer)
        records.append(contact)
        records += [ChannelIdentity(contact=contact, verified_at=now, **i) for i in contact_spec.get("identities", [])]
    records += [Circuit(customer=customer, **circuit) for circuit in spec.get("circuits", [])]
    return records


async def seed(engine: AsyncEngine, path: Path = DEMO_SEED) -> int:
    """Insert the accounts of ``path`` that are not there yet; returns how many were added."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    added = 0
    async with sessions(engine).begin() as session:
        known = set((await session.scalars(select(Customer.code))).all())
        for spec in data["customers"]:
            if spec["code"] in known:
                continue
            session.add_all(_records(spec))
            added += 1
    return added
