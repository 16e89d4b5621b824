"""The app channel on a Redis that does not answer, over loopback: a 503 the client may retry, never a 500,
and a send the outbox will try again."""
from __future__ import annotations

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from channels.app import AppChannel, AppSettings, AuthSettings
from channels.app.auth import mint
from channels.base import ChannelDeps
from dialogue.templates import Templates
from dialogue.types import InboundMessage, Reply

SECRET = "jwt-secret-of-the-operators-app-backend-2026"


async def never_called(message: InboundMessage) -> list[Reply]:
    raise AssertionError("no turn runs without the mailbox")


async def test_redis_out_of_reach_is_a_503_to_retry_and_a_send_to_try_again(aiohttp_client):
    channel = AppChannel(never_called, AppSettings(auth=AuthSettings(jwt_secret=SECRET)))
    app = web.Application()
    channel.setup(app)

    async def lifetime(app: web.Application):
        redis = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.5)
        async with aiohttp.ClientSession() as http, channel.open(ChannelDeps(Templates.load(), http, redis, "fd:")):
            yield
        await redis.aclose()

    app.cleanup_ctx.append(lifetime)
    client = await aiohttp_client(app)
    token = mint(SECRET, "demo-bound", "frontdoor", 600)
    polled = await client.get("/app/messages", params={"since": "0", "token": token})
    assert polled.status == 503 and polled.headers["Retry-After"] == "5"
    sent = await channel.send("demo-bound", [Reply("客服回复：工程师已出发")])
    assert not sent.delivered and sent.retry
