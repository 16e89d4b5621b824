"""The local service desk on SQLite and PostgreSQL (the same tests, parametrised)."""
from __future__ import annotations

import asyncio
from typing import AsyncIterator

import pytest

from backend_client import BackendUnavailable, Level, NewTicket, NotFound, Reporter, TicketKind, TicketStatus
from backend_client.local import database
from backend_client.local.seed import seed
from backend_client.local.service import SqlServiceDesk
from tests.conftest import seeded_desk
from tests.support import demo_policy


@pytest.fixture
async def local_desk(database_url: str) -> AsyncIterator[SqlServiceDesk]:
    async with seeded_desk(database_url) as desk:
        yield desk


def request(key: str, *, customer_id: int | None = None, user: str = "u1", urgency: Level = Level.HIGH) -> NewTicket:
    return NewTicket(TicketKind.INCIDENT, Reporter("app", user), "专线中断", "专线完全断了", urgency, key,
                     customer_id=customer_id, service_type="专线", circuit_id="GZ-MSTP-000123")


async def test_ticket_numbers_are_prefixed_dated_and_sequential(local_desk):
    first = await local_desk.open_ticket(request("k1"))
    second = await local_desk.open_ticket(request("k2"))
    assert first.number.startswith("GD") and len(first.number) == 14
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1
    assert first.number[2:10] == second.number[2:10]


async def test_same_idempotency_key_returns_the_same_ticket(local_desk):
    first = await local_desk.open_ticket(request("same"))
    again = await local_desk.open_ticket(request("same"))
    assert again.number == first.number
    assert len(await local_desk.list_tickets(reporter=Reporter("app", "u1"))) == 1


async def test_concurrent_repeats_open_exactly_one_ticket(local_desk):
    results = await asyncio.gather(*(local_desk.open_ticket(request("race")) for _ in range(5)))
    assert len({t.number for t in results}) == 1
    assert len(await local_desk.list_tickets(reporter=Reporter("app", "u1"))) == 1


async def test_concurrent_tickets_get_distinct_numbers(local_desk):
    results = await asyncio.gather(*(local_desk.open_ticket(request(f"n{i}")) for i in range(8)))
    assert len({t.number for t in results}) == 8


async def test_priority_and_first_line_follow_tier_and_urgency(local_desk):
    key_account = await local_desk.find_binding("app", "demo-bound")
    assert key_account is not None and key_account.tier == "industry"
    p1 = await local_desk.open_ticket(request("a", customer_id=key_account.customer_id))
    anonymous = await local_desk.open_ticket(request("b", urgency=Level.MEDIUM))
    assert (p1.priority, p1.assigned_tier) == ("P1", "city")
    assert (anonymous.priority, anonymous.assigned_tier) == ("P4", "county")
    assert (p1.response_due_at - p1.created_at).total_seconds() == 15 * 60
    assert p1.next_deadline() == ("response", p1.response_due_at)
    assert p1.status is TicketStatus.NEW


async def test_lists_are_newest_first_and_scoped(local_desk):
    bound = await local_desk.find_binding("app", "demo-bound")
    older = await local_desk.open_ticket(request("o", customer_id=bound.customer_id, user="demo-bound"))
    newer = await local_desk.open_ticket(request("n", customer_id=bound.customer_id, user="someone-else"))
    await local_desk.open_ticket(request("x", user="stranger"))
    by_account = await local_desk.list_tickets(customer_id=bound.customer_id)
    assert [t.number for t in by_account] == [newer.number, older.number]
    assert [t.number for t in await local_desk.list_tickets(reporter=Reporter("app", "demo-bound"))] == [older.number]


async def test_unknown_ticket_and_unbound_identity(local_desk):
    with pytest.raises(NotFound):
        await local_desk.get_ticket("GD209901010001")
    assert await local_desk.find_binding("wechat", "nobody") is None


async def test_seed_is_idempotent(local_desk, database_url):
    engine = database.open_engine(database_url)
    assert await seed(engine) == 0
    await engine.dispose()


async def test_unreachable_database_raises_backend_unavailable():
    engine = database.open_engine("postgresql+asyncpg://postgres@127.0.0.1:9/none")
    desk = SqlServiceDesk(engine, demo_policy())
    with pytest.raises(BackendUnavailable):
        await desk.ping()
    with pytest.raises(BackendUnavailable):
        await desk.open_ticket(request("down"))
    await engine.dispose()
