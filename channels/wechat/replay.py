"""The URL signature covers timestamp and nonce, not the body: bind each signed (timestamp, nonce) to the body it
first came with, so a URL lifted from a log cannot carry a forged body within the replay window.

The same request again is WeChat's retry (de-duplication answers it); the same URL with another body is refused.
"""
from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Protocol, cast

from redis.asyncio import Redis

from channels.wechat.security import Rejected


def _digests(timestamp: str, nonce: str, body: bytes) -> tuple[str, str]:
    url = hashlib.sha256(f"{timestamp}\n{nonce}".encode("utf-8", "replace")).hexdigest()[:32]
    return url, hashlib.sha256(body).hexdigest()


def _refuse() -> Rejected:
    return Rejected(403, "replayed_request")


class ReplayCache(Protocol):
    """Remembers which body each signed URL carried, for as long as its timestamp is accepted."""

    async def admit(self, timestamp: str, nonce: str, body: bytes) -> None:
        """Pass the first body of a URL and the same body again; Rejected(403) for another body."""
        ...


class InMemoryReplayCache:
    """In this process only (the embedded default); entries expire after twice the replay window."""

    def __init__(self, window_s: int):
        self._ttl_s = 2 * window_s + 1
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def admit(self, timestamp: str, nonce: str, body: bytes) -> None:
        """Bind the URL to ``body`` or check it against the body it was bound to."""
        now = time.monotonic()
        self._expire(now)
        url, digest = _digests(timestamp, nonce, body)
        known = self._entries.setdefault(url, (now + self._ttl_s, digest))
        if known[1] != digest:
            raise _refuse()

    def _expire(self, now: float) -> None:
        while self._entries:
            expires, _ = next(iter(self._entries.values()))
            if expires > now:
                return
            self._entries.popitem(last=False)


class RedisReplayCache:
    """In Redis (SET NX with a TTL), so a reused URL is refused whichever process it reaches."""

    def __init__(self, redis: Redis, prefix: str, window_s: int):
        self._redis = redis
        self._prefix = f"{prefix}wechat:replay:"
        self._ttl_s = 2 * window_s + 1

    async def admit(self, timestamp: str, nonce: str, body: bytes) -> None:
        """Bind the URL to ``body`` across processes, or check it against the first body."""
        url, digest = _digests(timestamp, nonce, body)
        key = self._prefix + url
        if await self._redis.set(key, digest, nx=True, ex=self._ttl_s):
            return
        known = cast(bytes | None, await self._redis.get(key))  # the client returns bytes
        if known is not None and known.decode() != digest:
            raise _refuse()
