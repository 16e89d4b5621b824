"""The access token: one per official account, shared by every process, refreshed by one process at a time.

It lives 7,200 s and a refresh invalidates the previous one after 5 min, so processes must not refresh in a
race: the cache expires `REFRESH_MARGIN_S` early and whoever refreshes holds a lock (Redis when configured).
See https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html
"""
from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import AsyncIterator, Awaitable, Callable, Protocol, cast

from redis.asyncio import Redis

from channels.wechat.errors import WeChatApiError

REFRESH_MARGIN_S = 300
LOCK_TIMEOUT_S = 15.0
_POLL_S = 0.05
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

Fetch = Callable[[], Awaitable[tuple[str, int]]]
"""Asks the platform for a new token: (access_token, expires_in)."""


class TokenCache(Protocol):
    """Where the current token lives and the lock around refreshing it."""

    async def get(self) -> str | None:
        """The cached token, if any and not about to expire."""
        ...

    async def put(self, token: str, ttl_s: int) -> None:
        """Cache ``token`` for ``ttl_s`` seconds."""
        ...

    def lock(self) -> AbstractAsyncContextManager[None]:
        """Held by the one process refreshing."""
        ...


class InMemoryTokenCache:
    """The token in this process."""

    def __init__(self) -> None:
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str | None:
        """The token while fresh."""
        return self._token if time.monotonic() < self._expires else None

    async def put(self, token: str, ttl_s: int) -> None:
        """Remember until ``ttl_s`` from now."""
        self._token, self._expires = token, time.monotonic() + ttl_s

    @asynccontextmanager
    async def lock(self) -> AsyncIterator[None]:
        """An asyncio lock."""
        async with self._lock:
            yield


class RedisTokenCache:
    """The token in Redis, with a SET NX lock so one process refreshes while the others wait for its result."""

    def __init__(self, redis: Redis, prefix: str, app_id: str):
        self._redis = redis
        self._key = f"{prefix}wechat:token:{app_id}"
        self._lock_key = f"{prefix}wechat:token-lock:{app_id}"
        self._release = redis.register_script(_RELEASE)

    async def get(self) -> str | None:
        """The shared token while fresh."""
        raw = cast(bytes | None, await self._redis.get(self._key))  # the client returns bytes
        return raw.decode() if raw is not None else None

    async def put(self, token: str, ttl_s: int) -> None:
        """Share the token with every process."""
        await self._redis.set(self._key, token, ex=ttl_s)

    @asynccontextmanager
    async def lock(self) -> AsyncIterator[None]:
        """Wait (bounded) for the refresh lock, hold it, release it only if still ours."""
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while not await self._redis.set(self._lock_key, owner, nx=True, px=int(LOCK_TIMEOUT_S * 1000)):
            if time.monotonic() >= deadline:
                raise WeChatApiError(-1, "access token refresh lock busy")
            await asyncio.sleep(_POLL_S)
        try:
            yield
        finally:
            await self._release(keys=[self._lock_key], args=[owner])


class TokenManager:
    """Hands out the current token; refreshes it once when it is missing, expiring or reported stale."""

    def __init__(self, cache: TokenCache, fetch: Fetch):
        self._cache = cache
        self._fetch = fetch

    async def token(self) -> str:
        """The current token (fetching one if none is cached)."""
        return await self._cache.get() or await self.refresh(stale=None)

    async def refresh(self, stale: str | None) -> str:
        """A token other than ``stale``: another process's fresh one, or a new one fetched under the lock."""
        async with self._cache.lock():
            cached = await self._cache.get()
            if cached and cached != stale:
                return cached
            token, expires_in = await self._fetch()
            await self._cache.put(token, max(expires_in - REFRESH_MARGIN_S, 1))
            return token
