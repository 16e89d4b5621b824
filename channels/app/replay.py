"""Signed app requests are good once: a signature seen within the replay window is a replay (the timestamp check
alone would let a captured request be sent again for minutes). Redis when configured, so it holds across
processes; else in process, bounded."""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable, Protocol

from redis.asyncio import Redis


class SeenSignatures(Protocol):
    """Remembers signatures for as long as their timestamps could still pass."""

    async def first(self, signature: str, ttl_s: int) -> bool:
        """True the first time ``signature`` is offered within ``ttl_s``; False for a replay."""
        ...


class InMemorySeenSignatures:
    """One process's memory of signatures, at most ``max_entries`` (the oldest forgotten first)."""

    def __init__(self, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic):
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock

    async def first(self, signature: str, ttl_s: int) -> bool:
        now = self._clock()
        while self._seen and (next(iter(self._seen.values())) < now or len(self._seen) >= self._max_entries):
            self._seen.popitem(last=False)
        if signature in self._seen:
            return False
        self._seen[signature] = now + ttl_s
        return True


class RedisSeenSignatures:
    """Signatures as Redis keys with a TTL; SET NX decides the first one atomically across processes."""

    def __init__(self, redis: Redis, prefix: str):
        self._redis = redis
        self._prefix = prefix

    async def first(self, signature: str, ttl_s: int) -> bool:
        return bool(await self._redis.set(f"{self._prefix}app:signature:{signature}", 1, nx=True, ex=ttl_s))
