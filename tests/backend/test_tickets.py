"""Opening tickets on SQLite and PostgreSQL: numbering, idempotency, routing, priority, duplicates."""
from __future__ import annotations

import asyncio
from typing import AsyncIterator

import pytest

from backend_client import (
    SYSTEM, BackendUnavailable, Forbidden, Level, NotFound, OpenOutcome, TicketKind, TicketStatus,
)
from servicedesk import database
from servicedesk.seed import seed
from servicedesk.service import SqlServiceDesk
from tests.backend.helpers import STAFF, SettableClock, customer, incident
from tests.conftest import seeded_desk
from tests.support import demo_policy


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[SqlServiceDesk]:
    async with seeded_desk(database_url, clock=SettableClock()) as local:
        yield local


async def key_account(desk):  # type: ignore[no-untyped-def]
    return await desk.find_binding("app", "demo-bound")


async def test_ticket_numbers_are_prefixed_dated_and_sequential(desk):
    first = (await desk.open_ticket(incident("k1", circuit_id=None))).ticket
    second = (await desk.open_ticket(incident("k2", circuit_id=None))).ticket
    assert first.number == "GD202611230001" and second.number == "GD202611230002"


async def test_same_idempotency_key_returns_the_same_ticket_and_outcome(desk):
    first = await desk.open_ticket(incident("same"))
    again = await desk.open_ticket(incident("same"))
    assert again.ticket.number == first.ticket.number and again.outcome is first.outcome is OpenOutcome.OPENED
    assert (await desk.list_tickets(customer("u1"))).total == 1


async def test_concurrent_repeats_open_exactly_one_ticket(desk):
    results = await asyncio.gather(*(desk.open_ticket(incident("race")) for _ in range(5)))
    assert len({r.ticket.number for r in results}) == 1
    assert (await desk.list_tickets(customer("u1"))).total == 1


async def test_concurrent_tickets_get_distinct_numbers(desk):
    results = await asyncio.gather(*(desk.open_ticket(incident(f"n{i}", user=f"u{i}")) for i in range(8)))
    assert len({r.ticket.number for r in results}) == 8


async def test_key_account_outage_is_p1_routed_to_the_city_and_owned_by_the_front_desk(desk):
    binding = await key_account(desk)
    ticket = (await desk.open_ticket(incident("a", customer_id=binding.customer_id))).ticket
    assert (ticket.priority, ticket.assigned_tier, ticket.assigned_group) == ("P1", "city", "gd-gz")
    assert ticket.owner_group == "gd-400" and ticket.status is TicketStatus.ASSIGNED
    assert (ticket.response_due_at - ticket.created_at).total_seconds() == 15 * 60  # gold plan, P1
    assert ticket.next_deadline() == ("response", ticket.response_due_at)


async def test_cluster_customer_goes_to_its_county_on_the_business_calendar(desk):
    school = await desk.get_customer("KH44190003", SYSTEM)
    ticket = (await desk.open_ticket(incident("b", customer_id=school.id, circuit_id="DG-SDH-00321",
                                              urgency=Level.MEDIUM))).ticket
    assert (ticket.priority, ticket.assigned_group) == ("P3", "gd-dg-changan")
    # bronze plan, P3: 4 business hours for a response from Monday 10:00 → 14:00 local
    assert ticket.response_due_at.hour == 6


async def test_unbound_caller_goes_to_the_front_desk(desk):
    ticket = (await desk.open_ticket(incident("c", circuit_id=None, urgency=Level.MEDIUM))).ticket
    assert (ticket.priority, ticket.assigned_group, ticket.assigned_tier) == ("P4", "gd-400", "province")


async def test_second_report_of_an_open_circuit_is_the_same_ticket(desk):
    binding = await key_account(desk)
    first = await desk.open_ticket(incident("d1", customer_id=binding.customer_id))
    second = await desk.open_ticket(incident("d2", customer_id=binding.customer_id, user="colleague"))
    assert second.outcome is OpenOutcome.DUPLICATE and second.ticket.number == first.ticket.number
    events = await desk.ticket_events(first.ticket.number, STAFF)
    assert [e.kind for e in events] == ["created", "duplicate_report"]


async def test_a_contact_sees_only_their_own_account(desk):
    binding = await key_account(desk)
    ours = (await desk.open_ticket(incident("e1", customer_id=binding.customer_id))).ticket
    school = await desk.get_customer("KH44060002", SYSTEM)
    theirs = (await desk.open_ticket(incident("e2", customer_id=school.id, user="teacher",
                                              circuit_id="FS-ETN-0045678"))).ticket
    contact = customer("demo-bound", binding)
    assert (await desk.get_ticket(ours.number, contact)).number == ours.number
    with pytest.raises(Forbidden):
        await desk.get_ticket(theirs.number, contact)
    with pytest.raises(Forbidden):
        await desk.transition(theirs.number, TicketStatus.CLOSED, contact)
    assert (await desk.get_ticket(theirs.number, STAFF)).status is TicketStatus.ASSIGNED
    assert [t.number for t in (await desk.list_tickets(contact)).items] == [ours.number]
    with pytest.raises(Forbidden):
        await desk.list_tickets(contact, customer_id=school.id)
    with pytest.raises(Forbidden):
        await desk.get_customer("KH44060002", contact)


async def test_lists_are_newest_first_and_paged(desk):
    numbers = [(await desk.open_ticket(incident(f"p{i}", circuit_id=None))).ticket.number for i in range(5)]
    page = await desk.list_tickets(customer("u1"), offset=1, limit=2)
    assert page.total == 5 and [t.number for t in page.items] == numbers[::-1][1:3]
    assert (await desk.list_tickets(STAFF, status=TicketStatus.ASSIGNED)).total == 5


async def test_unknown_records_and_unbound_identity(desk):
    with pytest.raises(NotFound):
        await desk.get_ticket("GD209901010001", STAFF)
    with pytest.raises(NotFound):
        await desk.get_customer("KH00000000", STAFF)
    assert await desk.find_binding("wechat", "nobody") is None


async def test_service_requests_are_never_taken_for_duplicates(desk):
    first = await desk.open_ticket(incident("s1", kind=TicketKind.SERVICE_REQUEST))
    second = await desk.open_ticket(incident("s2", kind=TicketKind.SERVICE_REQUEST))
    assert second.outcome is OpenOutcome.OPENED and second.ticket.number != first.ticket.number


async def test_seed_is_idempotent(desk, database_url):
    engine = database.open_engine(database_url)
    assert await seed(engine) == 0
    await engine.dispose()


async def test_unreachable_database_raises_backend_unavailable():
    engine = database.open_engine("postgresql+asyncpg://postgres@127.0.0.1:9/none")
    desk = SqlServiceDesk(engine, demo_policy())
    with pytest.raises(BackendUnavailable):
        await desk.ping()
    with pytest.raises(BackendUnavailable):
        await desk.open_ticket(incident("down"))
    await engine.dispose()
