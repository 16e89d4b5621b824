"""Human-friendly unique record numbers: prefix + local date + daily sequence (GD202611230001)."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from servicedesk.models import NumberCounter

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


async def next_number(session: AsyncSession, prefix: str, day: str) -> str:
    """Atomically take the next sequence number of ``prefix`` on ``day`` inside the caller's transaction."""
    insert = _INSERTS[session.bind.dialect.name]
    table = NumberCounter.__table__
    statement = (
        insert(table)
        .values(key=f"{prefix}{day}", last=1)
        .on_conflict_do_update(index_elements=[table.c.key], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    sequence = (await session.execute(statement)).scalar_one()
    return f"{prefix}{day}{sequence:04d}"
