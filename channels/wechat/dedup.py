"""WeChat retries a callback up to three times: remember each message so its turn runs once, wherever it lands.

A claim is taken before the turn; the outcome (the passive reply text, or "" when the reply went, or will go,
through the customer-service API) is stored when the first answer is made, so a retry re-serves it.
"""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis

PENDING = "pending"
_DONE = "done:"
_POLL_S = 0.05


class Deduplicator(Protocol):
    """Claims of callback keys, shared by every process that may receive a retry."""

    async def claim(self, key: str) -> bool:
        """True for the first delivery of ``key``; False for a retry."""
        ...

    async def finish(self, key: str, outcome: str) -> None:
        """Record what the first delivery answered ("" means `success`)."""
        ...

    async def outcome(self, key: str, timeout_s: float) -> str | None:
        """The recorded outcome, waiting up to ``timeout_s`` while still pending; None if it is still pending."""
        ...


class InMemoryDeduplicator:
    """Claims in this process only (the embedded default)."""

    def __init__(self, ttl_s: float):
        self._ttl_s = ttl_s
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._events: dict[str, asyncio.Event] = {}

    async def claim(self, key: str) -> bool:
        """True for the first delivery of ``key``."""
        self._expire(time.monotonic())
        if key in self._entries:
            return False
        self._entries[key] = (time.monotonic() + self._ttl_s, PENDING)
        self._events[key] = asyncio.Event()
        return True

    async def finish(self, key: str, outcome: str) -> None:
        """Record the outcome and wake retries waiting for it."""
        self._entries[key] = (time.monotonic() + self._ttl_s, _DONE + outcome)
        self._entries.move_to_end(key)
        event = self._events.pop(key, None)
        if event is not None:
            event.set()

    async def outcome(self, key: str, timeout_s: float) -> str | None:
        """The outcome once known (waiting up to ``timeout_s``)."""
        event = self._events.get(key)
        if event is not None:
            try:
                await asyncio.wait_for(event.wait(), timeout_s)
            except asyncio.TimeoutError:
                return None
        entry = self._entries.get(key)
        return _decode(entry[1]) if entry else None

    def _expire(self, now: float) -> None:
        while self._entries:
            key, (expires, _) = next(iter(self._entries.items()))
            if expires > now:
                return
            del self._entries[key]
            self._events.pop(key, None)


class RedisDeduplicator:
    """Claims in Redis (SET NX with a TTL), so retries landing on another process are recognised."""

    def __init__(self, redis: Redis, prefix: str, ttl_s: int):
        self._redis = redis
        self._prefix = f"{prefix}wechat:dedup:"
        self._ttl_s = ttl_s

    async def claim(self, key: str) -> bool:
        """True for the first delivery of ``key`` across all processes."""
        return bool(await self._redis.set(self._prefix + key, PENDING, nx=True, ex=self._ttl_s))

    async def finish(self, key: str, outcome: str) -> None:
        """Record the outcome for retries on any process."""
        await self._redis.set(self._prefix + key, _DONE + outcome, ex=self._ttl_s)

    async def outcome(self, key: str, timeout_s: float) -> str | None:
        """Poll until the outcome is recorded or ``timeout_s`` passes."""
        deadline = time.monotonic() + timeout_s
        while True:
            raw = await self._redis.get(self._prefix + key)
            value = raw.decode("utf-8") if raw is not None else None
            if value is not None and value != PENDING:
                return _decode(value)
            if value is None or time.monotonic() >= deadline:
                return None
            await asyncio.sleep(min(_POLL_S, max(deadline - time.monotonic(), 0)))


def _decode(value: str) -> str | None:
    return value[len(_DONE):] if value.startswith(_DONE) else None
