"""Schema changes only by Alembic: the newest revision upgrades a database that already holds data."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from backend_client import SYSTEM, TicketStatus
from servicedesk import database
from servicedesk.service import SqlServiceDesk
from tests.backend.helpers import START, SettableClock, incident
from tests.support import demo_policy

OLD_TICKET = text(
    "INSERT INTO tickets (number, kind, status, priority, impact, urgency, summary, description, "
    "reporter_channel, reporter_user_id, assigned_tier, created_at, response_due_at, resolution_due_at, "
    "idempotency_key, version) VALUES ('GD202611230007', 'incident', 'new', 'P2', 'medium', 'high', '专线中断', "
    "'断了', 'app', 'old-user', 'county', :created, :response, :resolution, 'old-key', 1)"
)


async def test_upgrade_from_the_previous_revision_keeps_tickets_and_numbering(database_url):
    engine = database.open_engine(database_url)
    await database.upgrade(engine, "0001")
    created = datetime(2026, 11, 23, 1, 0)
    async with engine.begin() as conn:
        await conn.execute(OLD_TICKET, {"created": created, "response": created + timedelta(minutes=30),
                                        "resolution": created + timedelta(hours=8)})
        await conn.execute(text("INSERT INTO ticket_counters (day, last) VALUES ('20261123', 7)"))
    await database.upgrade(engine)
    clock = SettableClock(START)
    desk = SqlServiceDesk(engine, demo_policy(), clock=clock)
    old = await desk.get_ticket("GD202611230007", SYSTEM)
    assert old.status is TicketStatus.NEW and old.resolution_due_at.hour == 9  # 8 h target kept, clock running
    new = (await desk.open_ticket(incident("after-upgrade", circuit_id=None))).ticket
    assert new.number == "GD202611230008"  # the daily sequence carried over
    report = await desk.run_sla_job(clock.advance(hours=10))
    assert report.breaches >= 2  # the old ticket's response and resolution targets are watched after upgrade
    await engine.dispose()


async def test_upgrade_to_the_knowledge_base_keeps_tickets_and_adds_empty_articles(database_url):
    engine = database.open_engine(database_url)
    await database.upgrade(engine, "0002")
    created = datetime(2026, 11, 23, 1, 0)
    async with engine.begin() as conn:
        await conn.execute(OLD_TICKET, {"created": created, "response": created + timedelta(minutes=30),
                                        "resolution": created + timedelta(hours=8)})
    await database.upgrade(engine)
    desk = SqlServiceDesk(engine, demo_policy(), clock=SettableClock(START))
    assert (await desk.get_ticket("GD202611230007", SYSTEM)).summary == "专线中断"
    assert await desk.export_articles(SYSTEM) == [] and await desk.kb_gaps(SYSTEM) == []
    await engine.dispose()
