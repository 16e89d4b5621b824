"""Version stamps that tell every process of the desk when a cached view (bindings, the KB index) went stale.

In one process a counter in memory is enough and costs nothing; processes that share the desk share Redis
(`redis.url`, which several processes need for conversations anyway), where a change is one INCR and a check one GET.
"""
from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from backend_client.errors import BackendUnavailable

STAMP_TTL_S = 30 * 24 * 3600
"""A stamp outlives any cache that trusts it (caches reload within minutes even without a change)."""


class Stamps(Protocol):
    """A counter per name, bumped on every change of what the name covers."""

    async def read(self, name: str) -> int:
        """The current stamp (0 before the first change)."""
        ...

    async def bump(self, name: str) -> None:
        """Record a change: every cache holding an older stamp reloads."""
        ...


class LocalStamps:
    """Stamps of a single process: nothing to ask anyone."""

    def __init__(self) -> None:
        self._values: dict[str, int] = {}

    async def read(self, name: str) -> int:
        """The counter in memory."""
        return self._values.get(name, 0)

    async def bump(self, name: str) -> None:
        """Count the change."""
        self._values[name] = self._values.get(name, 0) + 1


class RedisStamps:
    """Stamps shared by every process through Redis (keys `<prefix>stamp:<name>`, with a TTL)."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}stamp:"

    async def read(self, name: str) -> int:
        """The shared counter."""
        try:
            value = await self._redis.get(self._prefix + name)
        except RedisError as exc:
            raise BackendUnavailable(f"redis: {type(exc).__name__}") from exc
        return int(value or 0)

    async def bump(self, name: str) -> None:
        """Increment the shared counter and keep it alive."""
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                await pipe.incr(self._prefix + name).expire(self._prefix + name, STAMP_TTL_S).execute()
        except RedisError as exc:
            raise BackendUnavailable(f"redis: {type(exc).__name__}") from exc
