"""Conversation state in Redis, shared by every `frontdoor serve` process."""
from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

from dialogue.store import StoreUnavailable


class RedisConversationStore:
    """State as JSON with a TTL; a Redis lock per conversation orders the turns of one user across processes."""

    def __init__(self, client: Redis, *, prefix: str, ttl_s: int, lock_timeout_s: float):
        self._client = client
        self._prefix = prefix
        self._ttl_s = ttl_s
        self._lock_timeout_s = lock_timeout_s

    def _key(self, conversation_id: str) -> str:
        return f"{self._prefix}conv:{conversation_id}"

    async def load(self, conversation_id: str) -> dict[str, Any] | None:
        """The saved state, or None when absent, expired or not JSON."""
        try:
            raw = await self._client.get(self._key(conversation_id))
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from exc
        if raw is None:
            return None
        try:
            state = json.loads(raw)
        except ValueError:
            return None
        return state if isinstance(state, dict) else None

    async def save(self, conversation_id: str, state: dict[str, Any]) -> None:
        """Write the state and restart its TTL."""
        payload = json.dumps(state, ensure_ascii=False)
        try:
            await self._client.set(self._key(conversation_id), payload, ex=self._ttl_s)
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from exc

    @asynccontextmanager
    async def lock(self, conversation_id: str) -> AsyncIterator[None]:
        """Redis lock that expires by itself if a process dies mid-turn."""
        lock = self._client.lock(
            f"{self._key(conversation_id)}:lock",
            timeout=self._lock_timeout_s,
            blocking_timeout=self._lock_timeout_s,
        )
        try:
            acquired = await lock.acquire()
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from exc
        if not acquired:
            raise StoreUnavailable(f"lock of {conversation_id} not acquired in {self._lock_timeout_s}s")
        try:
            yield
        finally:
            try:
                await lock.release()
            except RedisError:  # expired or Redis gone: the lock frees itself by its timeout
                pass

    async def ping(self) -> None:
        """Raise StoreUnavailable when Redis does not answer."""
        try:
            await self._client.ping()
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from exc
