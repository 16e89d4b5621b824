"""Conversation state in Redis, shared by every `frontdoor serve` process."""
from __future__ import annotations

import json
from typing import Any, AsyncContextManager, AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.redis_lock import FairLeaseLock
from dialogue.store import StoreUnavailable, TurnOrder


class RedisConversationStore:
    """State as JSON with a TTL; a fair lease lock per conversation orders the turns of one user across processes."""

    def __init__(self, client: Redis, *, prefix: str, ttl_s: int, lock_timeout_s: float, lock_lease_s: float = 2.0,
                 order_settle_s: float = 0.1):
        self._client = client
        self._prefix = prefix
        self._ttl_s = ttl_s
        self._lock = FairLeaseLock(client, lease_s=lock_lease_s, wait_s=lock_timeout_s, settle_s=order_settle_s)

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

    async def saved(self) -> AsyncIterator[dict[str, Any]]:
        """Every conversation state still in Redis, for the NLU review export (`frontdoor nlu review`)."""
        start = len(self._key(""))
        async for key in self._client.scan_iter(match=self._key("*"), _type="STRING", count=500):
            name = key.decode() if isinstance(key, bytes) else key
            state = await self.load(name[start:])
            if state is not None and isinstance(state.get("history"), list):
                yield state

    def lock(self, conversation_id: str, order: TurnOrder | None = None) -> AsyncContextManager[None]:
        """The conversation's fair lease lock: earlier messages first, freed within the lease if we crash."""
        return self._lock.hold(self._key(conversation_id), order)

    async def ping(self) -> None:
        """Raise StoreUnavailable when Redis does not answer."""
        try:
            await self._client.ping()
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from exc
