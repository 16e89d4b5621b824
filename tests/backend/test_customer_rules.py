"""The desk's rules for what customers say after reporting: urging, 'it broke again', complaints, known circuits."""
from __future__ import annotations

from typing import AsyncIterator

import pytest

from backend_client import Conflict, Forbidden, Level, NewTicket, OpenOutcome, Reporter, TicketKind
from backend_client.types import ComplaintAbout, NewComplaint, ReopenOutcome, TicketStatus as S, UrgeOutcome
from tests.backend.helpers import STAFF, SettableClock, customer, incident
from tests.conftest import seeded_desk


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def desk(database_url: str, clock: SettableClock) -> AsyncIterator:
    async with seeded_desk(database_url, clock=clock) as local:
        yield local


async def bound(desk):  # type: ignore[no-untyped-def]
    return customer("demo-bound", await desk.find_binding("app", "demo-bound"))


async def key_account_ticket(desk, key: str = "t1"):  # type: ignore[no-untyped-def]
    binding = await desk.find_binding("app", "demo-bound")
    return (await desk.open_ticket(incident(key, customer_id=binding.customer_id, user="demo-bound"))).ticket


async def resolved(desk, clock, note: str = "更换了机房侧光模块"):  # type: ignore[no-untyped-def]
    ticket = await key_account_ticket(desk)
    clock.advance(hours=2)
    await desk.transition(ticket.number, S.RESOLVED, STAFF, note=note)
    return ticket


# urging (催单)

async def test_two_urges_in_a_row_escalate_at_most_once_and_the_second_is_recorded(desk, clock):
    ticket = await key_account_ticket(desk)
    contact = await bound(desk)
    clock.advance(minutes=61)
    first = await desk.urge(ticket.number, contact, reason="都一个多小时了还没人联系我们")
    second = await desk.urge(ticket.number, contact, reason="快点啊，全公司都上不了网")
    assert first.outcome is UrgeOutcome.ESCALATED and first.ticket.assigned_group == "gd"
    assert second.outcome is UrgeOutcome.TOO_SOON and second.ticket.assigned_group == "gd"
    assert second.urges == 2 and second.ticket.next_deadline() is not None
    kinds = [e.kind for e in await desk.ticket_events(ticket.number, STAFF)]
    assert kinds.count("urged") == 2 and kinds.count("escalated") == 1
    notes = {(n.user_id, n.kind) for n in await desk.claim_notifications("desk")}
    assert ("gd", "urged") in notes  # the agent now holding the ticket sees the second urge


async def test_an_urge_soon_after_reporting_is_recorded_without_escalating(desk, clock):
    ticket = await key_account_ticket(desk)
    clock.advance(minutes=5)
    urged = await desk.urge(ticket.number, await bound(desk), reason="怎么还没好")
    assert urged.outcome is UrgeOutcome.TOO_SOON and urged.ticket.assigned_group == "gd-gz"


async def test_an_unbound_bronze_callers_urge_never_leaves_the_front_desk(desk, clock):
    ticket = (await desk.open_ticket(incident("anon", circuit_id=None, user="walk-in"))).ticket
    assert (ticket.assigned_group, ticket.priority) == ("gd-400", "P3")
    caller = customer("walk-in")
    for hours in (2, 4, 8):
        clock.advance(hours=hours)
        urged = await desk.urge(ticket.number, caller, reason="你们到底管不管")
        assert urged.outcome is UrgeOutcome.PLAN_LIMIT and urged.ticket.assigned_group == "gd-400"


async def test_a_customers_escalate_call_obeys_the_same_policy(desk):
    ticket = await key_account_ticket(desk)
    with pytest.raises(Conflict) as refused:
        await desk.escalate(ticket.number, await bound(desk), reason="催一下")
    assert refused.value.code == "escalation.too_soon"
    assert (await desk.escalate(ticket.number, STAFF, reason="需要省公司协调")).assigned_group == "gd"


async def test_urging_a_resolved_ticket_escalates_nothing(desk, clock):
    ticket = await resolved(desk, clock)
    clock.advance(hours=3)
    urged = await desk.urge(ticket.number, await bound(desk), reason="还是不行")
    assert urged.outcome is UrgeOutcome.NOT_OPEN and urged.ticket.status is S.RESOLVED


async def test_nobody_urges_another_accounts_ticket(desk):
    ticket = await key_account_ticket(desk)
    with pytest.raises(Forbidden):
        await desk.urge(ticket.number, customer("stranger"), reason="催")


# the fault is back

async def test_fault_back_within_the_window_reopens_with_a_new_resolution_clock(desk, clock):
    ticket = await resolved(desk, clock)
    clock.advance(days=2)
    again = await desk.reopen_or_relink(ticket.number, await bound(desk), reason="昨天说修好了，今早又掉线了")
    assert again.outcome is ReopenOutcome.REOPENED and again.ticket.number == ticket.number
    assert again.ticket.status is S.REOPENED and again.ticket.resolved_at is None
    assert again.ticket.resolution_note is None
    assert (again.ticket.resolution_due_at - clock.now).total_seconds() == 4 * 3600  # gold P1: a full new target
    events = await desk.ticket_events(ticket.number, STAFF)
    restarted = next(e for e in events if e.kind == "sla_restarted")
    assert restarted.detail["previous_consumed_s"] == 2 * 3600
    report = await desk.run_sla_job(clock.advance(hours=3, minutes=30))
    assert report.breaches == 0  # the old consumption does not count against the new clock


async def test_fault_back_after_the_window_opens_a_new_incident_linked_to_the_old_one(desk, clock):
    ticket = await resolved(desk, clock)
    clock.advance(days=10)
    contact = await bound(desk)
    again = await desk.reopen_or_relink(ticket.number, contact, reason="专线又断了，跟上次一模一样")
    assert again.outcome is ReopenOutcome.RELINKED and again.ticket.number != ticket.number
    assert again.ticket.related_ticket == ticket.number and again.ticket.kind is TicketKind.INCIDENT
    assert again.ticket.priority == "P1" and again.ticket.circuit_id == "GZ-MSTP-000123"
    assert (await desk.get_ticket(ticket.number, STAFF)).status is S.RESOLVED
    repeat = await desk.reopen_or_relink(ticket.number, contact, reason="再说一遍，又断了")
    assert repeat.ticket.number == again.ticket.number  # saying it twice opens nothing more


async def test_fault_back_on_a_closed_ticket_opens_a_linked_incident(desk, clock):
    ticket = await resolved(desk, clock)
    await desk.transition(ticket.number, S.CLOSED, STAFF)
    again = await desk.reopen_or_relink(ticket.number, await bound(desk), reason="又不通了")
    assert again.outcome is ReopenOutcome.RELINKED and again.ticket.related_ticket == ticket.number


async def test_fault_back_on_an_open_ticket_is_recorded_for_the_agent(desk):
    ticket = await key_account_ticket(desk)
    again = await desk.reopen_or_relink(ticket.number, await bound(desk), reason="还是断的")
    assert again.outcome is ReopenOutcome.STILL_OPEN and again.ticket.status is S.ASSIGNED
    assert (await desk.ticket_events(ticket.number, STAFF))[-1].kind == "fault_persists"


# complaints

async def test_a_complaint_about_a_ticket_goes_to_the_complaint_group_and_links_it(desk, clock):
    ticket = await resolved(desk, clock)
    binding = await desk.find_binding("app", "demo-bound")
    complaint = NewComplaint(Reporter("app", "demo-bound"), ComplaintAbout.TICKET,
                             "装维师傅约好九点到，十一点才来，来了态度还很差", "c1", ticket=ticket.number,
                             whom="上门的装维师傅", customer_id=binding.customer_id, contact_id=binding.contact_id)
    opened = await desk.open_complaint(complaint)
    got = opened.ticket
    assert got.kind is TicketKind.COMPLAINT and got.assigned_group == "gd-complaints" and got.priority == "P2"
    assert (got.related_ticket, got.about, got.about_whom) == (ticket.number, "ticket", "上门的装维师傅")
    assert (got.response_due_at - got.created_at).total_seconds() == 3600  # the complaint plan's P2
    assert (await desk.open_complaint(complaint)).ticket.number == got.number  # a retried message opens no second
    history = await desk.ticket_events(ticket.number, STAFF)
    assert history[-1].kind == "complained_about" and history[-1].detail["complaint"] == got.number


async def test_a_billing_complaint_needs_no_ticket(desk):
    opened = await desk.open_complaint(NewComplaint(Reporter("wechat", "o-angry"), ComplaintAbout.BILL,
                                                    "这个月账单多扣了三百块，没人给解释", "c2"))
    assert opened.ticket.about == "bill" and opened.ticket.related_ticket is None
    assert opened.ticket.assigned_group == "gd-complaints"


async def test_nobody_complains_through_another_accounts_ticket(desk):
    ticket = await key_account_ticket(desk)
    with pytest.raises(Forbidden):
        await desk.open_complaint(NewComplaint(Reporter("app", "stranger"), ComplaintAbout.TICKET, "太慢了", "c3",
                                               ticket=ticket.number))


async def test_escalation_never_lands_on_the_complaint_group(desk, clock):
    ticket = await key_account_ticket(desk)
    assert (await desk.escalate(ticket.number, STAFF, reason="x")).assigned_group == "gd"


# a known circuit's account decides

async def test_an_unbound_caller_naming_a_key_accounts_circuit_gets_the_accounts_priority_and_merges(desk):
    walk_in = NewTicket(TicketKind.INCIDENT, Reporter("voice", "+8613512345678"), "专线不通",
                        "我们楼里那条GZ-MSTP-000123的线从早上就不通了", Level.HIGH, "w1", circuit_id="GZ-MSTP-000123")
    first = (await desk.open_ticket(walk_in)).ticket
    assert (first.priority, first.assigned_group) == ("P1", "gd-gz")  # gold key account, not bronze P3
    later = await key_account_ticket(desk, "t-later")
    assert later.number == first.number
    assert (await desk.open_ticket(incident("t-later2", customer_id=first.customer_id))).outcome \
        is OpenOutcome.DUPLICATE
    mine = await desk.list_tickets(customer("+8613512345678", channel="voice"))
    assert [t.number for t in mine.items] == [first.number]  # the caller still sees their own report


async def test_a_long_winded_whom_is_kept_to_its_column_not_refused(desk):
    whom = "那个说话很冲的客服，" * 20
    opened = await desk.open_complaint(NewComplaint(Reporter("wechat", "o-long"), ComplaintAbout.SERVICE,
                                                    "打了三次400都被挂断", "c-long", whom=whom))
    assert opened.ticket.about_whom == whom[:100]


async def test_a_complaint_opened_as_a_plain_ticket_still_goes_to_the_complaint_group(desk):
    request = incident("callback-1", circuit_id=None, kind=TicketKind.COMPLAINT)
    ticket = (await desk.open_ticket(request)).ticket
    assert (ticket.assigned_group, ticket.priority) == ("gd-complaints", "P2")
