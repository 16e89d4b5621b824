"""De-duplication as leases on the real Redis: a retry waits for a live turn, takes over a dead one's message once
its lease runs out, and gets the recorded answer once the message is done."""
from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from channels.wechat.dedup import InMemoryDeduplicator, RedisDeduplicator
from tests.support import require_redis

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
async def redis():
    require_redis()
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


def two_processes(redis: Redis, lease_s: float = 0.3) -> tuple[RedisDeduplicator, RedisDeduplicator]:
    prefix = f"fdtest:{uuid.uuid4().hex[:8]}:"
    return RedisDeduplicator(redis, prefix, 60, lease_s), RedisDeduplicator(redis, prefix, 60, lease_s)


async def test_a_retry_gets_the_answer_the_first_delivery_recorded(redis):
    first, other = two_processes(redis)
    claim = await first.claim("msg:1001", 0)
    waiting = asyncio.create_task(other.claim("msg:1001", 5))
    await asyncio.sleep(0.05)
    await claim.lease.finish("请提供故障电路的编号")
    retry = await waiting
    assert retry.lease is None and retry.outcome == "请提供故障电路的编号"
    assert (await other.claim("msg:1001", 0)).outcome == "请提供故障电路的编号"


async def test_a_live_turn_keeps_its_message_past_the_lease(redis):
    first, other = two_processes(redis, lease_s=0.2)
    claim = await first.claim("msg:1002", 0)
    retry = await other.claim("msg:1002", 0.8)  # four leases: only renewal keeps it
    assert retry.lease is None and retry.outcome is None
    await claim.lease.finish("")
    assert (await other.claim("msg:1002", 0)).outcome == ""


async def test_a_dead_process_message_is_taken_over_when_its_lease_runs_out(redis):
    _, other = two_processes(redis, lease_s=0.3)
    # what a process killed mid-turn leaves: its lease, never renewed again (the old `pending` stayed 600 s)
    await redis.set(f"{other._prefix}msg:1003", "lease:dead-process", px=300)
    retry = await other.claim("msg:1003", 4.8)
    assert retry.lease is not None
    await retry.lease.finish("已为您创建故障工单")
    assert (await other.claim("msg:1003", 0)).outcome == "已为您创建故障工单"


async def test_an_abandoned_message_runs_on_the_next_retry(redis):
    first, other = two_processes(redis)
    await (await first.claim("msg:1004", 0)).lease.abandon()
    assert (await other.claim("msg:1004", 0)).lease is not None


async def test_in_process_retries_wait_for_the_answer_and_an_abandoned_message_runs_again():
    dedup = InMemoryDeduplicator(60)
    claim = await dedup.claim("msg:2001", 0)
    waiting = asyncio.create_task(dedup.claim("msg:2001", 5))
    await claim.lease.finish("好的")
    assert (await waiting).outcome == "好的"
    await (await dedup.claim("msg:2002", 0)).lease.abandon()
    assert (await dedup.claim("msg:2002", 0)).lease is not None
