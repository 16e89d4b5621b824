"""What a running WeChat channel holds (Redis or in-process trackers, an HTTP session, the API client),
opened once at start-up and closed at shutdown."""
from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from channels.wechat.api import WeChatApiClient
from channels.wechat.dedup import Deduplicator, InMemoryDeduplicator, RedisDeduplicator
from channels.wechat.menu import click_intents
from channels.wechat.push import Pusher
from channels.wechat.replay import InMemoryReplayCache, RedisReplayCache, ReplayCache
from channels.wechat.security import Envelope
from channels.wechat.settings import WeChatSettings
from channels.wechat.tokens import InMemoryTokenCache, RedisTokenCache
from channels.wechat.window import InMemoryWindowTracker, RedisWindowTracker, WindowTracker
from dialogue.templates import Templates


@dataclass
class Runtime:
    """The channel's opened parts."""

    templates: Templates
    dedup: Deduplicator
    replays: ReplayCache
    windows: WindowTracker
    api: WeChatApiClient
    pusher: Pusher
    envelope: Envelope | None
    click_intents: dict[str, str]


RUNTIME = web.AppKey("wechat_runtime", Runtime)
"""The running channel's parts, for the application's other jobs (the outbox delivery)."""


@asynccontextmanager
async def open_api(settings: WeChatSettings, redis: Redis | None) -> AsyncIterator[WeChatApiClient]:
    """An API client with its own HTTP session; the token shared in Redis when there is one."""
    cache = RedisTokenCache(redis, settings.key_prefix, settings.app_id) if redis else InMemoryTokenCache()
    async with aiohttp.ClientSession() as session:
        yield WeChatApiClient(session, settings.api_base_url, settings.app_id, settings.app_secret, cache,
                              timeout_s=settings.api_timeout_s)


@asynccontextmanager
async def open_redis(url: str | None) -> AsyncIterator[Redis | None]:
    """A Redis client when a URL is configured."""
    if url is None:
        yield None
        return
    redis = Redis.from_url(url)
    try:
        yield redis
    finally:
        await redis.aclose()


@asynccontextmanager
async def open_runtime(settings: WeChatSettings) -> AsyncIterator[Runtime]:
    """Everything the callback needs, closed in reverse order."""
    async with AsyncExitStack() as stack:
        redis = await stack.enter_async_context(open_redis(settings.redis_url))
        api = await stack.enter_async_context(open_api(settings, redis))
        if redis is not None:
            dedup: Deduplicator = RedisDeduplicator(redis, settings.key_prefix, settings.dedup_ttl_s,
                                                    settings.lease_s)
            windows: WindowTracker = RedisWindowTracker(redis, settings.key_prefix)
            replays: ReplayCache = RedisReplayCache(redis, settings.key_prefix, settings.replay_window_s)
        else:
            dedup, windows = InMemoryDeduplicator(settings.dedup_ttl_s), InMemoryWindowTracker()
            replays = InMemoryReplayCache(settings.replay_window_s)
        envelope = (Envelope(settings.token, settings.encoding_aes_key, settings.app_id)
                    if settings.encoding_aes_key else None)
        yield Runtime(Templates.load(settings.templates), dedup, replays, windows, api, Pusher(api, windows), envelope,
                      click_intents(settings.menu))
