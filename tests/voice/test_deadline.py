"""A slow turn: the caller hears a hold phrase, and the redirect collects the answer (in any process, via Redis)."""
from __future__ import annotations

import asyncio
import re
import uuid

from aiohttp import web
from redis.asyncio import Redis

from channels.voice import MemoryCallStore, RedisCallStore, VoiceChannel, VoiceSettings
from dialogue.templates import Templates
from dialogue.types import InboundMessage, Reply
from tests.support import require_redis
from tests.voice.phone import AUTH_TOKEN, PUBLIC_URL, Phone


def channel(on_message, calls=None, deadline_s: float = 0.2) -> web.Application:
    app = web.Application()
    settings = VoiceSettings(AUTH_TOKEN, PUBLIC_URL, deadline_s=deadline_s)
    VoiceChannel(on_message, settings, calls or MemoryCallStore(), Templates.load()).setup(app)
    return app


async def test_a_turn_late_for_the_deadline_is_held_then_delivered(aiohttp_client):
    release = asyncio.Event()
    seen: list[InboundMessage] = []

    async def slow(message: InboundMessage) -> list[Reply]:
        seen.append(message)
        if message.text != "/greet":
            await release.wait()
        return [Reply(f"您说的是：{message.text}")]

    client = await aiohttp_client(channel(slow))
    call = Phone(client)
    await call.dial()
    status, body = await call.post("/voice/gather", SpeechResult="查一下我的工单", Confidence="0.9")
    assert status == 200 and "请稍等" in body and "<Gather" not in body
    redirect = re.search(r"<Redirect[^>]*>([^<]+)</Redirect>", body).group(1)
    assert redirect.startswith("/voice/result")
    release.set()
    answer = await call.heard(redirect)
    assert "查一下我的工单" in answer.text and answer.gather is not None
    assert [m.text for m in seen].count("查一下我的工单") == 1  # the redirect never runs the turn twice


async def test_the_next_webhook_may_reach_another_process_sharing_redis(aiohttp_client):
    require_redis()
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"fd-test-{uuid.uuid4().hex[:8]}:"

    async def echo(message: InboundMessage) -> list[Reply]:
        return [Reply(f"第{message.message_id.rsplit(':', 1)[1]}轮")]

    try:
        first = await aiohttp_client(channel(echo, RedisCallStore(redis, prefix)))
        second = await aiohttp_client(channel(echo, RedisCallStore(redis, prefix)))
        sid = Phone(first).call_sid
        await Phone(first, call_sid=sid).dial()
        heard = await Phone(second, call_sid=sid).say("你好")
        assert "第2轮" in heard.text  # the second process knew the call's first turn
        repeated = await Phone(first, call_sid=sid).press("9")
        assert "第2轮" in repeated.text
    finally:
        keys = await redis.keys(f"{prefix}*")
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
