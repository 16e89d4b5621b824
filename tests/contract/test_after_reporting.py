"""What customers say after reporting, under contract: urging, 'it broke again' and complaints, locally and over HTTP."""
from __future__ import annotations

import uuid

import pytest

from backend_client import (
    ComplaintAbout, Conflict, Forbidden, NewComplaint, ReopenOutcome, Reporter, ServiceDesk, TicketKind, TicketStatus,
    UrgeOutcome,
)
from tests.contract.test_service_desk import AGENT, key_account, open_as


async def test_an_urge_minutes_after_reporting_is_recorded_not_escalated(desk: ServiceDesk):
    contact = await key_account(desk)
    ticket = await open_as(desk, contact, circuit_id="GZ-MSTP-000123")
    urged = await desk.urge(ticket.number, contact, reason="你们的人到底什么时候来？")
    assert urged.outcome is UrgeOutcome.TOO_SOON and urged.urges == 1
    assert urged.ticket.assigned_group == ticket.assigned_group and urged.ticket.next_deadline() is not None
    with pytest.raises(Conflict) as refused:
        await desk.escalate(ticket.number, contact, reason="再催一次")
    assert refused.value.code == "escalation.too_soon"
    assert [e.kind for e in await desk.ticket_events(ticket.number, AGENT)].count("urged") == 2


async def test_the_fault_back_the_day_it_was_fixed_reopens_the_same_ticket(desk: ServiceDesk):
    contact = await key_account(desk)
    ticket = await open_as(desk, contact, circuit_id="GZ-MSTP-000123")
    await desk.transition(ticket.number, TicketStatus.RESOLVED, AGENT, note="熔接了被挖断的光缆")
    again = await desk.reopen_or_relink(ticket.number, contact, reason="下午又断了，灯又是红的")
    assert (again.outcome, again.ticket.number, again.ticket.status) == (
        ReopenOutcome.REOPENED, ticket.number, TicketStatus.REOPENED)
    assert again.ticket.resolution_due_at is not None


async def test_a_complaint_links_the_ticket_and_a_retry_opens_no_second(desk: ServiceDesk):
    contact = await key_account(desk)
    ticket = await open_as(desk, contact, circuit_id="GZ-MSTP-000123")
    complaint = NewComplaint(contact.reporter, ComplaintAbout.TICKET, "报修三天了一直推来推去，没有一个人负责",
                             uuid.uuid4().hex, ticket=ticket.number, customer_id=contact.customer_id,
                             contact_id=contact.contact_id)
    first = await desk.open_complaint(complaint)
    again = await desk.open_complaint(complaint)
    assert first.ticket.kind is TicketKind.COMPLAINT and first.ticket.related_ticket == ticket.number
    assert first.ticket.assigned_group == "gd-complaints" and again.ticket.number == first.ticket.number


async def test_a_stranger_cannot_complain_through_someone_elses_ticket(desk: ServiceDesk):
    ticket = await open_as(desk, await key_account(desk), circuit_id="GZ-MSTP-000123")
    with pytest.raises(Forbidden):
        await desk.open_complaint(NewComplaint(Reporter("app", "someone-else"), ComplaintAbout.TICKET, "太差了",
                                               uuid.uuid4().hex, ticket=ticket.number))
