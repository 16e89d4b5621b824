"""Times the SLA job over N open tickets (default 100,000) on SQLite and/or PostgreSQL.

Usage: python bench/sla_job.py [--tickets 100000] [--db sqlite|postgresql|both]
Tickets are bulk-inserted (all due for a check), then one job run is timed, then a second run (nothing due).
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from servicedesk import database
from servicedesk.models import TicketRow
from servicedesk.service import SqlServiceDesk
from bot.config import load_config
from bot.desk_policy import desk_policy

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def rows(first: int, count: int, start: datetime) -> list[dict]:
    """Open P2 tickets on the gold plan, created `start`, due for their first check."""
    return [dict(number=f"GD{i:012d}", kind="incident", status="assigned", priority="P2", impact="high",
                 urgency="medium", summary="bench", description="bench", reporter_channel="app",
                 reporter_user_id=f"b{i}", assigned_tier="city", assigned_group="gd-gz", owner_group="gd-400",
                 province="广东省", city="广州市", county="天河区", service_plan="gold", created_at=start,
                 response_due_at=start + timedelta(minutes=30), resolution_target_s=8 * 3600.0,
                 sla_consumed_s=0.0, sla_running_since=start, resolution_due_at=start + timedelta(hours=8),
                 next_check_at=start + timedelta(minutes=30), idempotency_key=f"bench-{i}", version=1,
                 escalation_level=0) for i in range(first, first + count)]


async def measure(url: str, count: int) -> None:
    engine = database.open_engine(url)
    await database.upgrade(engine)
    start = datetime(2026, 11, 23, 0, 0, tzinfo=timezone.utc)
    for offset in range(0, count, 5000):
        async with engine.begin() as conn:
            await conn.execute(insert(TicketRow), rows(offset, min(5000, count - offset), start))
    desk = SqlServiceDesk(engine, desk_policy(load_config(ROOT / "config.yaml", {})))
    began = time.perf_counter()
    report = await desk.run_sla_job(start + timedelta(hours=5))
    first = time.perf_counter() - began
    began = time.perf_counter()
    again = await desk.run_sla_job(start + timedelta(hours=5))
    second = time.perf_counter() - began
    print(f"{engine.dialect.name}: {count} open tickets; job run {first:.1f} s ({count / first:.0f} tickets/s): "
          f"checked {report.checked}, warnings {report.warnings}, breaches {report.breaches}, "
          f"escalations {report.escalations}; next run with nothing due {second * 1000:.1f} ms "
          f"(checked {again.checked})")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as scratch:
            await measure(f"sqlite+aiosqlite:///{scratch}/sla.db", args.tickets)
    if args.db in ("postgresql", "both"):
        name = f"fd_bench_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            await measure(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", args.tickets)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
