"""SLA calendars and clocks, and the SLA job raising each warning, breach and escalation exactly once."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend_client import Level, TicketStatus as S
from servicedesk.calendar import AlwaysOpen, BusinessCalendar
from servicedesk.sla import Clock
from tests.backend.helpers import STAFF, SettableClock, incident
from tests.conftest import seeded_desk

ZONE = ZoneInfo("Asia/Shanghai")
BUSINESS = BusinessCalendar(ZONE, frozenset({1, 2, 3, 4, 5}), time(8, 30), time(17, 30),
                            holidays=frozenset({date(2026, 10, 1)}), workdays=frozenset({date(2026, 10, 10)}))


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZONE)


def test_business_hours_skip_nights_weekends_and_holidays_but_count_make_up_days():
    assert BUSINESS.add(local(2026, 11, 23, 16, 30), 2 * 3600) == local(2026, 11, 24, 9, 30)  # Mon → Tue
    assert BUSINESS.add(local(2026, 11, 27, 17, 0), 3600) == local(2026, 11, 30, 9, 0)  # Fri → Mon
    assert BUSINESS.add(local(2026, 9, 30, 17, 0), 3600) == local(2026, 10, 2, 9, 0)  # 10-01 holiday
    assert BUSINESS.add(local(2026, 10, 9, 17, 0), 3600) == local(2026, 10, 10, 9, 0)  # Saturday workday
    assert BUSINESS.add(local(2026, 11, 22, 3, 0), 0) == local(2026, 11, 23, 8, 30)  # Sunday night → Monday open
    assert BUSINESS.between(local(2026, 11, 27, 17, 0), local(2026, 11, 30, 9, 0)) == 3600
    assert BUSINESS.between(local(2026, 11, 30, 9, 0), local(2026, 11, 27, 17, 0)) == 0


def test_clock_pauses_and_resumes_on_its_calendar():
    start = local(2026, 11, 23, 10, 0)
    clock = Clock(8 * 3600, 0, start)
    assert clock.due(BUSINESS) == local(2026, 11, 24, 9, 0)  # 7.5 h on Monday, 0.5 h on Tuesday
    paused = clock.pause(BUSINESS, local(2026, 11, 23, 12, 0))
    assert paused.due(BUSINESS) is None and paused.consumed_s == 2 * 3600
    resumed = paused.resume(local(2026, 11, 24, 8, 30))
    assert resumed.due(BUSINESS) == local(2026, 11, 24, 14, 30)
    assert resumed.share(BUSINESS, local(2026, 11, 24, 10, 30)) == 0.5
    assert Clock(3600, 0, start).at_share(AlwaysOpen(), 0.5) == start + timedelta(minutes=30)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


async def open_key_account_outage(desk):  # type: ignore[no-untyped-def]
    binding = await desk.find_binding("app", "demo-bound")
    return (await desk.open_ticket(incident("sla", customer_id=binding.customer_id, urgency=Level.HIGH))).ticket


async def test_job_warns_escalates_and_breaches_once_each(database_url, clock):
    async with seeded_desk(database_url, clock=clock) as desk:
        ticket = await open_key_account_outage(desk)  # gold P1: respond in 15 min, resolve in 4 h, city first
        assert (await desk.run_sla_job(clock.advance(minutes=10))).checked == 0
        first = await desk.run_sla_job(clock.advance(minutes=10))  # 20 min: response missed
        assert (first.breaches, first.escalations, first.warnings) == (1, 0, 0)
        await desk.transition(ticket.number, S.IN_PROGRESS, STAFF)
        half = await desk.run_sla_job(clock.advance(hours=1, minutes=45))  # 2h05: 52%
        assert (half.escalations, half.warnings, half.breaches) == (1, 0, 0)
        assert (await desk.get_ticket(ticket.number, STAFF)).assigned_group == "gd"
        late = await desk.run_sla_job(clock.advance(hours=2))  # 4h05: past 75%, 80%, 100%
        assert (late.escalations, late.warnings, late.breaches) == (1, 1, 1)
        assert (await desk.run_sla_job(clock.advance(hours=5))).checked == 0
        kinds = [e.kind for e in await desk.ticket_events(ticket.number, STAFF)]
        assert kinds.count("sla_breached") == 2 and kinds.count("sla_warning") == 1
        assert kinds.count("escalated") == 2 and kinds.count("escalation_top_reached") == 1


async def test_paused_ticket_raises_nothing_until_resumed(database_url, clock):
    async with seeded_desk(database_url, clock=clock) as desk:
        ticket = await open_key_account_outage(desk)
        await desk.transition(ticket.number, S.IN_PROGRESS, STAFF)
        clock.advance(hours=1)
        await desk.transition(ticket.number, S.PENDING_CUSTOMER, STAFF)
        assert (await desk.run_sla_job(clock.advance(hours=10))).checked == 0
        await desk.transition(ticket.number, S.IN_PROGRESS, STAFF)
        report = await desk.run_sla_job(clock.advance(hours=1, minutes=5))  # 2h05 running: 52%
        assert (report.escalations, report.breaches) == (1, 0)


async def test_two_processes_running_the_job_raise_each_event_once(database_url, clock):
    async with seeded_desk(database_url, clock=clock) as first, seeded_desk(database_url, clock=clock) as second:
        binding = await first.find_binding("app", "demo-bound")
        for i in range(30):
            await first.open_ticket(incident(f"k{i}", customer_id=binding.customer_id, circuit_id=None,
                                             user=f"u{i}"))
        at = clock.advance(hours=5)
        reports = await asyncio.gather(first.run_sla_job(at), second.run_sla_job(at), first.run_sla_job(at))
        assert sum(r.breaches for r in reports) == 60  # response + resolution of each of 30 tickets
        assert sum(r.escalations for r in reports) == 60  # city → province → group for each
        assert sum(r.warnings for r in reports) == 30
        events = await first.ticket_events("GD202611230001", STAFF)
        assert [e.kind for e in events].count("sla_breached") == 2
