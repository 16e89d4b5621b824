"""One contract, every implementation: the local desk and the HTTP client, each on SQLite and PostgreSQL.

The `desk` fixture (conftest) runs each test four times; the assertions are the ServiceDesk protocol's
promises, including the stable error codes, so the HTTP client must give back exactly what the local desk raises.
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from backend_client import (
    Actor,
    Conflict,
    Forbidden,
    Invalid,
    Level,
    NewNotice,
    NewTicket,
    NotFound,
    OpenOutcome,
    Reporter,
    Role,
    Scope,
    ServiceDesk,
    Ticket,
    TicketKind,
    TicketStatus,
)

AGENT = Actor(Role.AGENT, "agent-7", "agent_desk")
ADMIN = Actor(Role.ADMIN, "admin-1", "agent_desk")
BOUND_USER = "demo-bound"  # a verified contact of KH44010001 in the demo seed


async def key_account(desk: ServiceDesk) -> Actor:
    """The demo app user bound to the key account 广州珠江智造科技有限公司."""
    binding = await desk.find_binding("app", BOUND_USER)
    assert binding is not None and binding.customer_code == "KH44010001"
    return Actor.customer(Reporter("app", BOUND_USER), binding)


async def open_as(desk: ServiceDesk, actor: Actor, *, circuit_id: str | None = None, summary: str = "专线中断",
                  kind: TicketKind = TicketKind.INCIDENT, key: str | None = None) -> Ticket:
    """A new ticket reported by ``actor`` (its account, if bound)."""
    assert actor.reporter is not None
    request = NewTicket(kind, actor.reporter, summary, "线路完全不通", Level.HIGH, key or uuid.uuid4().hex,
                        customer_id=actor.customer_id, contact_id=actor.contact_id, circuit_id=circuit_id,
                        service_type="专线" if circuit_id else None)
    opened = await desk.open_ticket(request)
    assert opened.outcome is OpenOutcome.OPENED
    return opened.ticket


async def test_opening_twice_with_one_key_returns_the_same_ticket(desk: ServiceDesk):
    contact = await key_account(desk)
    first = await open_as(desk, contact, key="wx-msg-1001")
    again = await desk.open_ticket(NewTicket(TicketKind.INCIDENT, Reporter("app", BOUND_USER), "专线中断", "重发",
                                             Level.HIGH, "wx-msg-1001", customer_id=contact.customer_id,
                                             contact_id=contact.contact_id))
    assert again.ticket.number == first.number
    page = await desk.list_tickets(contact)
    assert [t.number for t in page.items] == [first.number] and page.total == 1


async def test_a_key_accounts_line_down_is_p1_owned_by_the_front_desk(desk: ServiceDesk):
    ticket = await open_as(desk, await key_account(desk))
    assert (ticket.status, ticket.priority, ticket.assigned_tier) == (TicketStatus.ASSIGNED, "P1", "city")
    assert (ticket.owner_group, ticket.assigned_group) == ("gd-400", "gd-gz")
    assert ticket.created_at.tzinfo is not None and ticket.response_due_at > ticket.created_at
    events = await desk.ticket_events(ticket.number, AGENT)
    assert events[0].kind == "created" and events[0].at.tzinfo is not None


async def test_a_contact_cannot_see_or_change_another_accounts_ticket(desk: ServiceDesk, bind):
    owner = await key_account(desk)
    ticket = await open_as(desk, owner)
    stranger = await bind("teacher-wang", "KH44060002", "13900139002")
    with pytest.raises(Forbidden):
        await desk.get_ticket(ticket.number, stranger)
    with pytest.raises(Forbidden):
        await desk.transition(ticket.number, TicketStatus.CLOSED, stranger)
    with pytest.raises(Forbidden):
        await desk.ticket_events(ticket.number, stranger)
    with pytest.raises(Forbidden):
        await desk.get_customer("KH44010001", stranger)
    assert (await desk.list_tickets(stranger)).items == []
    unchanged = await desk.get_ticket(ticket.number, owner)
    assert (unchanged.status, unchanged.version) == (ticket.status, ticket.version)
    assert len(await desk.ticket_events(ticket.number, owner)) == 1


async def test_an_unbound_reporter_sees_only_their_own_reports(desk: ServiceDesk):
    mine = Actor.customer(Reporter("app", "walk-in-1"), None)
    other = Actor.customer(Reporter("app", "walk-in-2"), None)
    ticket = await open_as(desk, mine)
    assert (await desk.get_ticket(ticket.number, mine)).number == ticket.number
    with pytest.raises(Forbidden):
        await desk.get_ticket(ticket.number, other)
    assert [t.number for t in (await desk.list_tickets(mine)).items] == [ticket.number]


@pytest.mark.parametrize("moves, rule", [
    ([TicketStatus.CLOSED], "transition.close_requires_resolved"),
    ([TicketStatus.RESOLVED, TicketStatus.RESOLVED], "transition.already_in_state"),
    ([TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.REOPENED], "transition.closed_is_final"),
])
async def test_an_invalid_transition_is_a_conflict_naming_the_rule(desk: ServiceDesk, moves, rule):
    ticket = await open_as(desk, await key_account(desk))
    for status in moves[:-1]:
        ticket = await desk.transition(ticket.number, status, AGENT, note="处理完毕")
    with pytest.raises(Conflict) as refused:
        await desk.transition(ticket.number, moves[-1], AGENT)
    assert refused.value.code == rule
    assert (await desk.get_ticket(ticket.number, AGENT)).version == ticket.version


async def test_two_changes_from_one_version_one_wins_one_conflicts(desk: ServiceDesk):
    ticket = await open_as(desk, await key_account(desk))
    results = await asyncio.gather(
        desk.transition(ticket.number, TicketStatus.IN_PROGRESS, AGENT, expected_version=ticket.version),
        desk.transition(ticket.number, TicketStatus.RESOLVED, AGENT, note="已恢复", expected_version=ticket.version),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, Ticket)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].code.startswith("version.")
    final = await desk.get_ticket(ticket.number, AGENT)
    assert (final.status, final.version) == (won[0].status, won[0].version)


async def test_concurrent_changes_without_a_version_are_applied_or_refused_never_lost(desk: ServiceDesk):
    ticket = await open_as(desk, await key_account(desk))
    results = await asyncio.gather(
        desk.change_priority(ticket.number, "P3", AGENT, reason="客户确认仅部分业务受影响"),
        desk.transition(ticket.number, TicketStatus.IN_PROGRESS, AGENT),
        return_exceptions=True,
    )
    assert all(isinstance(r, (Ticket, Conflict)) for r in results), results
    final = await desk.get_ticket(ticket.number, AGENT)
    assert (final.priority == "P3") == isinstance(results[0], Ticket)
    assert (final.status is TicketStatus.IN_PROGRESS) == isinstance(results[1], Ticket)
    assert final.version == ticket.version + sum(isinstance(r, Ticket) for r in results)


async def test_listing_pages_newest_first_without_gaps_or_repeats(desk: ServiceDesk):
    contact = await key_account(desk)
    opened = [(await open_as(desk, contact, summary=f"故障{i}")).number for i in range(5)]
    pages = [await desk.list_tickets(contact, offset=offset, limit=2) for offset in (0, 2, 4)]
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert {p.total for p in pages} == {5} and [p.offset for p in pages] == [0, 2, 4]
    listed = [t.number for p in pages for t in p.items]
    assert listed == opened[::-1]
    resolved = await desk.transition(opened[0], TicketStatus.RESOLVED, AGENT, note="已修复")
    only = await desk.list_tickets(AGENT, customer_id=contact.customer_id, status=TicketStatus.RESOLVED)
    assert [t.number for t in only.items] == [resolved.number] and only.total == 1


async def test_priority_escalation_and_reassignment_by_staff(desk: ServiceDesk):
    ticket = await open_as(desk, await key_account(desk))
    assert (await desk.change_priority(ticket.number, "P2", AGENT, reason="影响面缩小")).priority == "P2"
    escalated = await desk.escalate(ticket.number, AGENT, reason="客户催单")
    assert escalated.escalation_level == ticket.escalation_level + 1
    assert (await desk.reassign(ticket.number, "gd-fs", AGENT, reason="转佛山处理")).assigned_group == "gd-fs"
    with pytest.raises(Invalid):
        await desk.change_priority(ticket.number, "P9", AGENT)
    with pytest.raises(Invalid):
        await desk.reassign(ticket.number, "no-such-group", AGENT, reason="x")
    kinds = [event.kind for event in await desk.ticket_events(ticket.number, AGENT)]
    assert kinds[0] == "created" and len(kinds) >= 4


async def test_a_problem_links_incidents_and_resolves_them_all(desk: ServiceDesk):
    contact = await key_account(desk)
    ticket = await open_as(desk, contact)
    problem = await desk.create_problem("天河北路光缆被挖断", Scope(regions=("天河区",)), AGENT, cause="市政施工")
    linked = await desk.link_incident(problem.number, ticket.number, AGENT)
    assert linked.status is TicketStatus.WAITING_PROBLEM and linked.problem == problem.number
    assert (await desk.get_problem(problem.number)).incidents == (ticket.number,)
    resolved = await desk.resolve_problem(problem.number, "光缆已熔接，业务恢复", AGENT)
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    after = await desk.get_ticket(ticket.number, contact)
    assert after.status is TicketStatus.RESOLVED and after.resolution_note == "光缆已熔接，业务恢复"
    with pytest.raises(Conflict) as again:
        await desk.resolve_problem(problem.number, "再次", AGENT)
    assert again.value.code == "problem.already_resolved"


async def test_a_published_notice_answers_the_bot_and_queues_notifications(desk: ServiceDesk):
    contact = await key_account(desk)
    now = datetime.now(timezone.utc)
    draft = await desk.create_notice(NewNotice("planned", "天河区割接", "今晚 0-4 点专线割接，期间业务中断。",
                                               Scope(regions=("天河区",)), now - timedelta(hours=1),
                                               now + timedelta(hours=4)), ADMIN)
    assert draft.status == "draft" and draft.starts_at == now - timedelta(hours=1)
    assert await desk.notices_affecting(customer_id=contact.customer_id) == []
    assert await desk.publish_notice(draft.number, ADMIN) == 1
    affecting = await desk.notices_affecting(customer_id=contact.customer_id)
    assert [n.number for n in affecting] == [draft.number] and affecting[0].scope.regions == ("天河区",)
    assert await desk.notices_affecting(region="南海区") == []
    with pytest.raises(Conflict) as again:
        await desk.publish_notice(draft.number, ADMIN)
    assert again.value.code == "notice.already_published"
    claimed = await desk.claim_notifications("app", limit=10, lease_s=30)
    assert [(n.kind, n.user_id) for n in claimed] == [("notice", BOUND_USER)]
    await desk.notification_delivered(claimed[0].id, "sent")
    assert await desk.claim_notifications("app") == []


async def test_a_failed_delivery_is_retried_later_not_at_once(desk: ServiceDesk):
    now = datetime.now(timezone.utc)
    notice = await desk.create_notice(NewNotice("outage", "广州光缆故障", "广州部分专线中断，正在抢修。",
                                                Scope(regions=("广州市",)), now, now + timedelta(hours=2)), ADMIN)
    await desk.publish_notice(notice.number, ADMIN)
    claimed = await desk.claim_notifications("app")
    assert len(claimed) == 1 and claimed[0].attempts == 1
    await desk.notification_failed(claimed[0].id, "timeout", retry=True)
    assert await desk.claim_notifications("app") == []


async def test_a_survey_follows_resolution_and_is_answered_once(desk: ServiceDesk):
    contact = await key_account(desk)
    ticket = await open_as(desk, contact)
    assert await desk.pending_survey(contact) is None
    await desk.transition(ticket.number, TicketStatus.RESOLVED, AGENT, note="已修复")
    pending = await desk.pending_survey(contact)
    assert pending is not None and (pending.ticket, pending.status) == (ticket.number, "pending")
    with pytest.raises(Invalid):
        await desk.answer_survey(ticket.number, 6, None, contact)
    answered = await desk.answer_survey(ticket.number, 5, "很及时", contact)
    assert (answered.score, answered.comment) == (5, "很及时") and answered.answered_at is not None
    assert await desk.pending_survey(contact) is None
    with pytest.raises(Conflict) as again:
        await desk.answer_survey(ticket.number, 4, None, contact)
    assert again.value.code == "survey.already_answered"


async def test_customers_bindings_and_verification(desk: ServiceDesk, bind):
    contact = await key_account(desk)
    customer = await desk.get_customer("KH44010001", contact)
    assert customer.tier == "industry" and "GZ-MSTP-000123" in [c.circuit_id for c in customer.circuits]
    assert await desk.find_binding("app", "nobody") is None
    assert await desk.start_verification("app", "nobody", "KH44060002", "13000000000") is False
    assert await desk.confirm_verification("app", "nobody", "123456") is None
    teacher = await bind("teacher-wang", "KH44060002", "13900139002")
    assert (await desk.find_binding("app", "teacher-wang")).contact_id == teacher.contact_id


async def test_an_unbound_identity_loses_the_accounts_tickets_at_once(desk: ServiceDesk, bind):
    teacher = await bind("teacher-li", "KH44060002", "13900139002")
    colleague = await bind("teacher-li-tablet", "KH44060002", "13900139002")
    ticket = await open_as(desk, colleague)
    assert ticket.number in [t.number for t in (await desk.list_tickets(teacher)).items]
    ended = await desk.unbind("app", "teacher-li")
    assert ended is not None and ended.customer_code == "KH44060002"
    assert await desk.find_binding("app", "teacher-li") is None
    stranger = Actor.customer(Reporter("app", "teacher-li"), None)
    with pytest.raises(Forbidden):
        await desk.get_customer("KH44060002", stranger)
    assert ticket.number not in [t.number for t in (await desk.list_tickets(stranger)).items]
    assert await desk.unbind("app", "teacher-li") is None


async def test_the_sla_job_raises_each_breach_once(desk: ServiceDesk):
    ticket = await open_as(desk, await key_account(desk))
    later = ticket.created_at + timedelta(days=3)
    first = await desk.run_sla_job(later)
    assert first.checked >= 1 and first.breaches >= 1
    again = await desk.run_sla_job(later)
    assert (again.breaches, again.warnings) == (0, 0)


@pytest.mark.parametrize("call", [
    lambda desk: desk.get_ticket("GD209901010001", AGENT),
    lambda desk: desk.ticket_events("GD209901010001", AGENT),
    lambda desk: desk.transition("GD209901010001", TicketStatus.RESOLVED, AGENT),
    lambda desk: desk.get_customer("KH00000000", AGENT),
    lambda desk: desk.get_problem("PR209901010001"),
    lambda desk: desk.link_incident("PR209901010001", "GD209901010001", AGENT),
    lambda desk: desk.publish_notice("NT209901010001", ADMIN),
    lambda desk: desk.notification_delivered(987654),
], ids=["ticket", "events", "transition", "customer", "problem", "link", "notice", "notification"])
async def test_unknown_records_are_not_found(desk: ServiceDesk, call):
    with pytest.raises(NotFound):
        await call(desk)


async def test_the_desk_answers_ping(desk: ServiceDesk):
    assert await desk.ping() is None
