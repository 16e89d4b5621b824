"""The Redis conversation store against the real Redis on 127.0.0.1:6379."""
from __future__ import annotations

import asyncio
import uuid
from typing import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.redis_store import RedisConversationStore
from dialogue.store import StoreUnavailable
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
