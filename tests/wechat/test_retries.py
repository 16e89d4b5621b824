"""Retries of one message never run a second turn: while the first is in progress, after it finished, and when
they land on another server process sharing Redis."""
from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from typing import AsyncIterator

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from bot.app import create_app
from channels.base import ChannelDeps
from channels.wechat import WeChatChannel, WeChatSettings
from channels.wechat.inbound import parse
from dialogue.templates import Templates
from dialogue.types import InboundMessage, Reply
from tests.wechat.server import AES_KEY, APP_ID, APP_SECRET, TOKEN, WeChatServer, new_msg_id, payload
from tests.wechat.test_callback import history, to_confirmation


class GatedTurns:
    """An `on_message` that holds every turn until released, counting them."""

    def __init__(self) -> None:
        self.calls: list[InboundMessage] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, message: InboundMessage) -> list[Reply]:
        self.calls.append(message)
        self.started.set()
        await self.release.wait()
        return [Reply("好的，已记录。")]


async def gated_server(aiohttp_client, fake_api, deadline_s: float, redis: dict[str, str] | None = None):
    turns = GatedTurns()
    settings = WeChatSettings(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, encoding_aes_key=AES_KEY,
                              mode="compatible", api_base_url=fake_api.base_url, deadline_s=deadline_s)
    app = web.Application()
    channel = WeChatChannel(turns, settings)
    channel.setup(app)
    app.cleanup_ctx.append(opened(channel, (redis or {}).get("FRONTDOOR_REDIS__URL"),
                                   (redis or {}).get("FRONTDOOR_REDIS__KEY_PREFIX", "frontdoor:")))
    return WeChatServer(await aiohttp_client(app)), turns, channel


def opened(channel: WeChatChannel, redis_url: str | None, prefix: str):
    """cleanup_ctx: the channel's life on a session, Redis client and templates, as `bot/` hands them."""

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        redis = Redis.from_url(redis_url) if redis_url else None
        async with aiohttp.ClientSession() as http, channel.open(ChannelDeps(Templates.load(), http, redis, prefix)):
            yield
        if redis is not None:
            await redis.aclose()

    return lifetime


async def test_retry_while_in_progress_shares_the_first_answer(aiohttp_client, fake_api):
    server, turns, _ = await gated_server(aiohttp_client, fake_api, deadline_s=4.8)
    xml = payload("text.xml", "oGate_1", "我们专线断了")
    first = asyncio.create_task(server.post(xml, "safe"))
    await turns.started.wait()
    retry = asyncio.create_task(server.post(xml, "plain"))
    await asyncio.sleep(0.05)
    turns.release.set()
    answers = [await server.reply(await first), await server.reply(await retry)]
    assert answers == ["好的，已记录。"] * 2 and len(turns.calls) == 1


async def test_late_turn_retried_while_in_progress_is_delivered_once(aiohttp_client, fake_api):
    server, turns, channel = await gated_server(aiohttp_client, fake_api, deadline_s=0.05)
    xml = payload("text.xml", "oGate_2", "我们专线断了")
    assert await server.reply(await server.post(xml)) is None
    assert await server.reply(await server.post(xml, "safe")) is None
    turns.release.set()
    await channel.drain(5)
    sent = await fake_api.wait_custom(1)
    assert [m["text"]["content"] for m in sent] == ["好的，已记录。"] and len(turns.calls) == 1


async def test_shutdown_waits_for_late_turns_to_deliver(aiohttp_client, fake_api):
    server, turns, _ = await gated_server(aiohttp_client, fake_api, deadline_s=0)
    assert await server.reply(await server.post(payload("text.xml", "oGate_3", "你好"))) is None
    closing = asyncio.create_task(server.client.close())
    turns.release.set()
    await closing
    assert len(fake_api.custom) == 1


async def test_two_servers_sharing_redis_run_a_retried_message_once(aiohttp_client, wechat_config, redis_overrides,
                                                                    tmp_path):
    config = wechat_config(**redis_overrides)
    first = WeChatServer(await aiohttp_client(create_app(config)))
    second = WeChatServer(await aiohttp_client(create_app(config)))
    await to_confirmation(first, "oShared_1")
    msg_id = new_msg_id()
    replies = await asyncio.gather(first.say("oShared_1", "确认", msg_id=msg_id),
                                   second.say("oShared_1", "确认", "safe", msg_id=msg_id),
                                   second.say("oShared_1", "确认", "compatible", msg_id=msg_id))
    replies.append(await first.say("oShared_1", "确认", msg_id=msg_id))
    numbers = {n for text in replies if text for n in re.findall(r"GD\d{12}", text)}
    with sqlite3.connect(tmp_path / "desk.db") as db:
        assert db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 1
    assert len(numbers) == 1
    assert len(await history(second, "oShared_1")) == 4


async def test_gated_servers_sharing_redis_run_once(aiohttp_client, fake_api, redis_overrides):
    one, turns_one, _ = await gated_server(aiohttp_client, fake_api, 4.8, redis_overrides)
    two, turns_two, _ = await gated_server(aiohttp_client, fake_api, 4.8, redis_overrides)
    xml = payload("text.xml", "oShared_2", "我们专线断了")
    first = asyncio.create_task(one.post(xml))
    await turns_one.started.wait()
    retry = asyncio.create_task(two.post(xml, "safe"))
    await asyncio.sleep(0.1)
    turns_one.release.set()
    assert [await one.reply(await first), await two.reply(await retry)] == ["好的，已记录。"] * 2
    assert (len(turns_one.calls), len(turns_two.calls)) == (1, 0)


async def test_a_request_cancelled_mid_turn_still_delivers_and_closes_the_message(aiohttp_client, fake_api):
    server, turns, channel = await gated_server(aiohttp_client, fake_api, deadline_s=4.8)
    decision = parse(payload("text.xml", "oGate_4", "我们专线断了").encode(), {}, "subscribe")
    await channel.runtime.windows.open(decision.message.user_id, decision.window)
    answering = asyncio.create_task(channel._answer(decision, time.monotonic()))
    await turns.started.wait()
    answering.cancel()  # what shutdown does to a request still waiting for its turn
    turns.release.set()
    await channel.drain(5)
    sent = await fake_api.wait_custom(1)
    assert [m["text"]["content"] for m in sent] == ["好的，已记录。"]
    retry = await channel.runtime.dedup.claim(decision.dedup_key, 0)
    assert retry.lease is None and retry.outcome == ""  # done: a retry neither runs it again nor waits
