"""The Redis conversation store against the real Redis on 127.0.0.1:6379."""
from __future__ import annotations

import asyncio
import uuid
from typing import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.redis_store import RedisConversationStore
from dialogue.store import StoreUnavailable, TurnOrder
from tests.support import require_redis

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
async def client() -> AsyncIterator[Redis]:
    require_redis()
    redis = Redis.from_url(REDIS_URL)
    yield redis
    await redis.aclose()


@pytest.fixture
def prefix() -> str:
    return f"fdtest:{uuid.uuid4().hex[:8]}:"


def make_store(client: Redis, prefix: str, ttl_s: int = 60) -> RedisConversationStore:
    return RedisConversationStore(client, prefix=prefix, ttl_s=ttl_s, lock_timeout_s=5)


async def test_state_round_trips_as_json_with_a_ttl(client, prefix):
    store = make_store(client, prefix, ttl_s=120)
    await store.save("app:u1", {"id": "app:u1", "slots": {"service_type": "专线"}})
    assert await store.load("app:u1") == {"id": "app:u1", "slots": {"service_type": "专线"}}
    ttl = await client.ttl(f"{prefix}conv:app:u1")
    assert 0 < ttl <= 120
    assert await store.load("app:nobody") is None


async def test_garbage_in_redis_reads_as_no_state(client, prefix):
    await client.set(f"{prefix}conv:app:u1", b"not json{")
    assert await make_store(client, prefix).load("app:u1") is None


async def test_lock_orders_turns_across_two_processes(client, prefix):
    second_client = Redis.from_url(REDIS_URL)  # another process would have its own connection pool
    stores = [make_store(client, prefix), make_store(second_client, prefix)]
    events: list[str] = []

    async def turn(store: RedisConversationStore, name: str) -> None:
        async with store.lock("app:u1"):
            events.append(f"{name}:start")
            await asyncio.sleep(0.05)
            events.append(f"{name}:end")

    await asyncio.gather(turn(stores[0], "a"), turn(stores[1], "b"))
    await second_client.aclose()
    assert events in (["a:start", "a:end", "b:start", "b:end"], ["b:start", "b:end", "a:start", "a:end"])


async def test_ping_reports_an_unreachable_server():
    store = make_store(Redis.from_url("redis://127.0.0.1:9/0"), "x:")
    with pytest.raises(StoreUnavailable):
        await store.ping()
    with pytest.raises(StoreUnavailable):
        async with store.lock("app:u1"):
            pass


def leased_store(client: Redis, prefix: str, lease_s: float = 0.3, settle_s: float = 0.0) -> RedisConversationStore:
    return RedisConversationStore(client, prefix=prefix, ttl_s=60, lock_timeout_s=5, lock_lease_s=lease_s,
                                  order_settle_s=settle_s)


async def test_a_later_message_never_overtakes_an_earlier_one_waiting(client, prefix):
    second_client = Redis.from_url(REDIS_URL)
    first, second = leased_store(client, prefix), leased_store(second_client, prefix)
    order: list[str] = []
    holding = asyncio.Event()

    async def turn(store: RedisConversationStore, name: str, at: TurnOrder, gate: asyncio.Event | None = None):
        async with store.lock("wechat:oOrder", at):
            order.append(name)
            if gate is not None:
                holding.set()
                await asyncio.sleep(0.3)

    busy = asyncio.create_task(turn(first, "busy", TurnOrder(1000.0, 1), holding))
    await holding.wait()
    # while the lock is held, the later message queues first, the earlier one (same second, lower MsgId) after it
    later = asyncio.create_task(turn(first, "later", TurnOrder(2000.0, 9)))
    await asyncio.sleep(0.05)
    earlier = asyncio.create_task(turn(second, "earlier", TurnOrder(2000.0, 8)))
    await asyncio.gather(busy, later, earlier)
    await second_client.aclose()
    assert order == ["busy", "earlier", "later"]


async def test_a_turn_longer_than_the_lease_keeps_the_lock(client, prefix):
    store, other = leased_store(client, prefix, lease_s=0.2), leased_store(client, prefix, lease_s=0.2)
    events: list[str] = []

    async def long_turn() -> None:
        async with store.lock("app:u2"):
            events.append("long:start")
            await asyncio.sleep(0.8)  # four leases: only renewal keeps it
            events.append("long:end")

    task = asyncio.create_task(long_turn())
    await asyncio.sleep(0.05)
    async with other.lock("app:u2"):
        events.append("other")
    await task
    assert events == ["long:start", "long:end", "other"]


async def test_a_crashed_holder_frees_the_conversation_within_its_lease(client, prefix):
    # what a process killed mid-turn leaves behind: its lock, never renewed again, and a queued waiter that died
    await client.set(f"{prefix}conv:app:u3:lock", "dead-holder", px=400)
    await client.zadd(f"{prefix}conv:app:u3:queue", {f"{0:020d}:dead-waiter": 1.0})
    async with leased_store(client, prefix).lock("app:u3", TurnOrder(5.0)):
        assert await client.get(f"{prefix}conv:app:u3:lock") not in (None, b"dead-holder")
    assert await client.get(f"{prefix}conv:app:u3:lock") is None


async def test_a_waiter_that_gives_up_leaves_the_queue(client, prefix):
    await client.set(f"{prefix}conv:app:u4:lock", "busy", px=5000)
    store = RedisConversationStore(client, prefix=prefix, ttl_s=60, lock_timeout_s=0.2, lock_lease_s=1,
                                   order_settle_s=0)
    with pytest.raises(StoreUnavailable):
        async with store.lock("app:u4"):
            pass
    assert await client.zcard(f"{prefix}conv:app:u4:queue") == 0
