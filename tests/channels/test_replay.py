"""A signed app request is good once within its window, in process and across processes (Redis)."""
from __future__ import annotations

import uuid

from redis.asyncio import Redis

from channels.app.replay import InMemorySeenSignatures, RedisSeenSignatures
from tests.support import require_redis


async def test_in_process_a_signature_is_good_once_and_the_memory_stays_bounded():
    seen = InMemorySeenSignatures(max_entries=3)
    assert await seen.first("sig-a", 600) and not await seen.first("sig-a", 600)
    for name in ("sig-b", "sig-c", "sig-d"):
        assert await seen.first(name, 600)
    assert len(seen._seen) == 3


async def test_two_processes_sharing_redis_accept_a_signature_once():
    require_redis()
    redis = Redis.from_url("redis://127.0.0.1:6379/15")
    prefix = f"fdtest:{uuid.uuid4().hex[:8]}:"
    try:
        one, other = RedisSeenSignatures(redis, prefix), RedisSeenSignatures(redis, prefix)
        assert await one.first("a1b2c3", 601)
        assert not await other.first("a1b2c3", 601)
        assert 0 < await redis.ttl(f"{prefix}app:signature:a1b2c3") <= 601
    finally:
        await redis.delete(f"{prefix}app:signature:a1b2c3")
        await redis.aclose()


async def test_an_expired_signature_is_forgotten_in_process():
    clock = iter([100.0, 702.0])
    seen = InMemorySeenSignatures(clock=lambda: next(clock))
    assert await seen.first("sig-old", 601)
    assert await seen.first("sig-new", 601) and "sig-old" not in seen._seen
