"""Pushed app messages wait per user until acknowledged: in process and in Redis, bounded, in cursor order."""
from __future__ import annotations

import asyncio
import uuid
from typing import AsyncIterator

import pytest
from redis.asyncio import Redis

from channels.app.mailbox import InMemoryMailbox, Mailbox, RedisMailbox
from tests.support import require_redis


@pytest.fixture(params=["memory", "redis"])
async def mailbox(request) -> AsyncIterator[Mailbox]:
    if request.param == "memory":
        yield InMemoryMailbox(max_messages=5)
        return
    require_redis()
    redis = Redis.from_url("redis://127.0.0.1:6379/15")
    prefix = f"fdtest:{uuid.uuid4().hex[:8]}:"
    try:
        yield RedisMailbox(redis, prefix, max_messages=5, ttl_s=60)
    finally:
        keys = [key async for key in redis.scan_iter(match=prefix + "*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


def texts(posted) -> list[str]:
    return [p.message["text"] for p in posted]


async def test_messages_wait_until_acknowledged_and_then_never_come_back(mailbox):
    last = await mailbox.put("demo-bound", [{"text": "工单已处理"}, {"text": "请评价"}])
    assert texts(await mailbox.since("demo-bound", 0)) == ["工单已处理", "请评价"]
    assert texts(await mailbox.since("demo-bound", 0)) == ["工单已处理", "请评价"]   # not acknowledged yet
    await mailbox.ack("demo-bound", last - 1)
    assert [p.cursor for p in await mailbox.since("demo-bound", 0)] == [last]
    assert await mailbox.put("demo-bound", [{"text": "客服回复：已安排上门"}]) == last + 1
    assert texts(await mailbox.since("demo-bound", last)) == ["客服回复：已安排上门"]
    assert await mailbox.since("someone-else", 0) == []


async def test_a_full_mailbox_keeps_the_newest(mailbox):
    await mailbox.put("u-busy", [{"text": f"通知{n}"} for n in range(8)])
    assert texts(await mailbox.since("u-busy", 0)) == [f"通知{n}" for n in range(3, 8)]


async def test_concurrent_puts_leave_no_gap_a_reader_could_skip(mailbox):
    await asyncio.gather(*(mailbox.put("u-race", [{"text": f"m{n}"}]) for n in range(5)))
    cursors = [p.cursor for p in await mailbox.since("u-race", 0)]
    assert cursors == list(range(cursors[0], cursors[0] + 5))


async def test_a_listener_is_woken_by_a_put_for_its_user_only(mailbox):
    with mailbox.listen("u-wait") as bell:
        await mailbox.put("u-other", [{"text": "不是给你的"}])
        assert not bell.is_set()
        await mailbox.put("u-wait", [{"text": "到了"}])
        assert bell.is_set()


async def test_a_mailbox_that_expired_starts_above_every_cursor_it_gave_before():
    mailbox = InMemoryMailbox(ttl_s=0.05)
    old = await mailbox.put("u-idle", [{"text": "上周的通知"}])
    await asyncio.sleep(0.1)
    assert await mailbox.since("u-idle", 0) == []
    new = await mailbox.put("u-idle", [{"text": "今天的客服回复"}])
    assert new > old and texts(await mailbox.since("u-idle", old)) == ["今天的客服回复"]


async def test_in_redis_an_expired_counter_starts_above_every_cursor_it_gave_before():
    require_redis()
    redis = Redis.from_url("redis://127.0.0.1:6379/15")
    prefix = f"fdtest:{uuid.uuid4().hex[:8]}:"
    mailbox = RedisMailbox(redis, prefix, ttl_s=60)
    try:
        old = await mailbox.put("u-idle", [{"text": "上周的通知"}])
        await redis.delete(*[key async for key in redis.scan_iter(match=prefix + "*")])   # what the TTL does
        await asyncio.sleep(0.01)
        new = await mailbox.put("u-idle", [{"text": "今天的客服回复"}])
        assert new > old and texts(await mailbox.since("u-idle", old)) == ["今天的客服回复"]
    finally:
        await redis.delete(*[key async for key in redis.scan_iter(match=prefix + "*")])
        await redis.aclose()
