"""Messages pushed to app users over loopback: `send` (what the outbox and agents call) to WebSocket clients,
with the mailbox in process and in Redis: messages/s end to end and send-to-receipt latency p50/p99.

Usage: python bench/app_push.py [--users 50] [--messages 40] [--redis redis://127.0.0.1:6379/15]
Self-contained: the app channel alone on a loopback server, JWTs minted with a scratch secret.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
import uuid
from pathlib import Path
from typing import AsyncIterator

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from channels.app import AppChannel, AppSettings, AuthSettings  # noqa: E402
from channels.app.auth import mint  # noqa: E402
from channels.base import ChannelDeps  # noqa: E402
from dialogue.templates import Templates  # noqa: E402
from dialogue.types import InboundMessage, Reply  # noqa: E402

SECRET = "bench-secret-for-the-app-channel-0123456789"


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def no_turns(message: InboundMessage) -> list[Reply]:
    return []


async def serve(channel: AppChannel, redis_url: str | None) -> AsyncIterator[str]:
    app = web.Application()
    channel.setup(app)
    redis = Redis.from_url(redis_url) if redis_url else None
    async with aiohttp.ClientSession() as http:
        async with channel.open(ChannelDeps(Templates.load(), http, redis, f"fdbench:{uuid.uuid4().hex[:6]}:")):
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            port = free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            try:
                yield f"http://127.0.0.1:{port}"
            finally:
                await runner.cleanup()
    if redis is not None:
        await redis.aclose()


async def receive(session: aiohttp.ClientSession, url: str, user: str, count: int, ready: asyncio.Event,
                  latencies: list[float], connected: list[int]) -> None:
    async with session.ws_connect(f"{url}/app/ws", params={"token": mint(SECRET, user, "frontdoor", 600)}) as ws:
        connected.append(1)
        ready.set()
        for _ in range(count):
            message = json.loads((await ws.receive()).data)
            latencies.append(time.perf_counter() - float(message["text"].split("@", 1)[1]))
        await ws.send_json({"ack": message["cursor"]})


async def run(backend: str, redis_url: str | None, users: int, messages: int) -> None:
    channel = AppChannel(no_turns, AppSettings(auth=AuthSettings(jwt_secret=SECRET), mailbox_max_messages=1000))
    latencies: list[float] = []
    async for url in serve(channel, redis_url):
        async with aiohttp.ClientSession() as session:
            connected: list[int] = []
            ready = asyncio.Event()
            names = [f"bench-{n}" for n in range(users)]
            clients = [asyncio.create_task(receive(session, url, name, messages, ready, latencies, connected))
                       for name in names]
            while len(connected) < users:
                await asyncio.sleep(0.01)
            started = time.perf_counter()
            for round_ in range(messages):  # one after another, as the outbox dispatcher sends
                for name in names:
                    await channel.send(name, [Reply(f"客服回复{round_}@{time.perf_counter()}")])
            await asyncio.gather(*clients)
            elapsed = time.perf_counter() - started
    total = users * messages
    print(f"{backend:6s} users={users} messages={total}: {total / elapsed:7.0f} messages/s, "
          f"send-to-receipt p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15", help="'' to skip the Redis run")
    args = parser.parse_args()
    asyncio.run(run("memory", None, args.users, args.messages))
    if args.redis:
        asyncio.run(run("redis", args.redis, args.users, args.messages))


if __name__ == "__main__":
    main()
