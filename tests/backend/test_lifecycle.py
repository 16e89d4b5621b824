"""Ticket changes on SQLite and PostgreSQL: transitions and their rules, clocks, priority, escalation, races."""
from __future__ import annotations

import asyncio
from typing import AsyncIterator

import pytest

from backend_client import Conflict, Forbidden, Invalid, Level, TicketStatus as S
from tests.backend.helpers import STAFF, SettableClock, customer, incident
from tests.conftest import seeded_desk


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def desk(database_url: str, clock: SettableClock) -> AsyncIterator:
    async with seeded_desk(database_url, clock=clock) as local:
        yield local


async def key_account_ticket(desk, key: str = "t1"):  # type: ignore[no-untyped-def]
    binding = await desk.find_binding("app", "demo-bound")
    return (await desk.open_ticket(incident(key, customer_id=binding.customer_id, user="demo-bound"))).ticket


@pytest.mark.parametrize("moves, target, rule", [
    ([], S.CLOSED, "transition.close_requires_resolved"),
    ([S.RESOLVED], S.RESOLVED, "transition.already_in_state"),
    ([S.RESOLVED, S.CLOSED], S.REOPENED, "transition.closed_is_final"),
    ([S.IN_PROGRESS], S.ASSIGNED, "transition.not_allowed"),
])
async def test_invalid_transitions_name_the_rule_and_change_nothing(desk, moves, target, rule):
    ticket = await key_account_ticket(desk)
    for status in moves:
        await desk.transition(ticket.number, status, STAFF)
    before = await desk.get_ticket(ticket.number, STAFF)
    with pytest.raises(Conflict) as refused:
        await desk.transition(ticket.number, target, STAFF)
    assert refused.value.code == rule
    after = await desk.get_ticket(ticket.number, STAFF)
    assert (after.status, after.version) == (before.status, before.version)


async def test_history_records_who_did_what_from_which_channel(desk):
    ticket = await key_account_ticket(desk)
    await desk.transition(ticket.number, S.IN_PROGRESS, STAFF, note="已联系现场")
    await desk.transition(ticket.number, S.RESOLVED, STAFF, note="更换光模块")
    await desk.transition(ticket.number, S.CLOSED, customer("demo-bound", await desk.find_binding("app", "demo-bound")))
    events = await desk.ticket_events(ticket.number, STAFF)
    assert [(e.kind, e.actor, e.channel) for e in events] == [
        ("created", "app:demo-bound", "app"),
        ("status_changed", "agent-1", "desk"),
        ("status_changed", "agent-1", "desk"),
        ("status_changed", "app:demo-bound", "app"),
    ]
    assert events[2].detail == {"before": "in_progress", "after": "resolved", "note": "更换光模块"}


async def test_customer_may_close_or_reopen_but_not_resolve(desk):
    ticket = await key_account_ticket(desk)
    contact = customer("demo-bound", await desk.find_binding("app", "demo-bound"))
    with pytest.raises(Forbidden):
        await desk.transition(ticket.number, S.RESOLVED, contact)
    await desk.transition(ticket.number, S.RESOLVED, STAFF, note="ok")
    reopened = await desk.transition(ticket.number, S.REOPENED, contact)
    assert reopened.status is S.REOPENED and reopened.resolved_at is None


async def test_pending_customer_pauses_the_resolution_clock(desk, clock):
    ticket = await key_account_ticket(desk)  # gold P1: 4 h to resolve, 7×24
    assert (ticket.resolution_due_at - ticket.created_at).total_seconds() == 4 * 3600
    clock.advance(hours=1)
    paused = await desk.transition(ticket.number, S.PENDING_CUSTOMER, STAFF)
    assert paused.resolution_due_at is None and paused.next_deadline() == ("response", ticket.response_due_at)
    clock.advance(hours=2)
    resumed = await desk.transition(ticket.number, S.IN_PROGRESS, STAFF)
    assert (resumed.resolution_due_at - ticket.resolution_due_at).total_seconds() == 2 * 3600
    assert resumed.responded_at == clock.now


async def test_resolution_stops_the_clock_and_asks_for_a_survey(desk, clock):
    ticket = await key_account_ticket(desk)
    clock.advance(minutes=30)
    resolved = await desk.transition(ticket.number, S.RESOLVED, STAFF, note="光缆已熔接")
    assert resolved.resolved_at == clock.now and resolved.resolution_due_at is None
    assert resolved.next_deadline() is None
    contact = customer("demo-bound", await desk.find_binding("app", "demo-bound"))
    survey = await desk.pending_survey(contact)
    assert survey is not None and survey.ticket == ticket.number and survey.group == "gd-gz"
    [note] = await desk.claim_notifications("app")
    assert note.kind == "ticket_resolved" and note.user_id == "demo-bound"
    assert note.payload == {"ticket": ticket.number, "note": "光缆已熔接", "survey": True}


async def test_priority_change_keeps_the_original_start(desk, clock):
    ticket = await key_account_ticket(desk)  # P1 gold: 4 h
    clock.advance(hours=1)
    lowered = await desk.change_priority(ticket.number, "P3", STAFF, reason="仅部分业务受影响")
    assert (lowered.resolution_due_at - ticket.created_at).total_seconds() == 24 * 3600
    assert lowered.priority == "P3"


async def test_raising_priority_past_its_target_gets_grace_not_an_instant_breach(desk, clock):
    binding = await desk.find_binding("app", "demo-bound")
    ticket = (await desk.open_ticket(incident("g", customer_id=binding.customer_id, circuit_id=None,
                                              urgency=Level.LOW))).ticket
    assert ticket.priority == "P3"  # gold P3: 24 h
    clock.advance(hours=6)
    raised = await desk.change_priority(ticket.number, "P1", STAFF, reason="全部中断")
    assert raised.resolution_due_at > clock.now
    events = await desk.ticket_events(ticket.number, STAFF)
    assert events[-1].kind == "priority_changed" and events[-1].detail["grace"] is True
    assert (await desk.run_sla_job()).breaches == 0
    clock.advance(minutes=16)  # the grace is one response target (15 min for P1) from the change
    assert (await desk.run_sla_job()).breaches == 2  # response and resolution, each once
    assert (await desk.run_sla_job()).breaches == 0


async def test_unknown_priority_or_group_is_invalid(desk):
    ticket = await key_account_ticket(desk)
    with pytest.raises(Invalid):
        await desk.change_priority(ticket.number, "P9", STAFF)
    with pytest.raises(Invalid):
        await desk.reassign(ticket.number, "nowhere", STAFF, reason="x")


async def test_escalation_on_demand_climbs_city_province_group_then_stops(desk, clock):
    ticket = await key_account_ticket(desk)
    assert ticket.assigned_group == "gd-gz"
    contact = customer("demo-bound", await desk.find_binding("app", "demo-bound"))
    clock.advance(hours=1)  # a customer's urging escalates only after an hour at the tier
    assert (await desk.escalate(ticket.number, contact, reason="客户催单")).assigned_group == "gd"
    assert (await desk.escalate(ticket.number, STAFF, reason="需要省公司协调")).assigned_group == "hq"
    with pytest.raises(Conflict) as top:
        await desk.escalate(ticket.number, STAFF, reason="again")
    assert top.value.code == "escalation.top_reached"
    notes = await desk.claim_notifications("desk")
    assert {(n.user_id, n.kind) for n in notes} == {("gd-400", "escalated"), ("gd", "escalated"), ("hq", "escalated")}


async def test_reassignment_is_recorded(desk):
    ticket = await key_account_ticket(desk)
    moved = await desk.reassign(ticket.number, "gd-fs", STAFF, reason="跨区电路，由佛山处理")
    assert (moved.assigned_group, moved.assigned_tier) == ("gd-fs", "city")
    assert (await desk.ticket_events(ticket.number, STAFF))[-1].detail["after"] == "gd-fs"


async def test_concurrent_updates_of_one_version_lose_nothing(desk):
    ticket = await key_account_ticket(desk)
    results = await asyncio.gather(
        desk.transition(ticket.number, S.IN_PROGRESS, STAFF, expected_version=ticket.version),
        desk.transition(ticket.number, S.PENDING_CUSTOMER, STAFF, expected_version=ticket.version),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1
    final = await desk.get_ticket(ticket.number, STAFF)
    assert final.status is winners[0].status and final.version == ticket.version + 1
    assert len(await desk.ticket_events(ticket.number, STAFF)) == 2
