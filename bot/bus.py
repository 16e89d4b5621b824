"""The hand-off bus on Redis pub/sub, so an agent desk in any process sees events from every process."""
from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from dialogue.bus import HandoffEvent
from dialogue.store import StoreUnavailable

log = logging.getLogger(__name__)


class RedisBus:
    """Events as JSON on one channel (``{prefix}handoff``); subscribers get what is published while they listen."""

    def __init__(self, client: Redis, prefix: str):
        self._client = client
        self._channel = f"{prefix}handoff"

    async def publish(self, event: HandoffEvent) -> None:
        """Publish ``event``; a Redis failure fails the turn (nothing is saved, the customer gets an apology)."""
        try:
            await self._client.publish(self._channel, json.dumps(event.to_dict(), ensure_ascii=False))
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from exc

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[AsyncIterator[HandoffEvent]]:
        """Subscribed once the block is entered; unsubscribed when it ends."""
        pubsub = self._client.pubsub()
        await pubsub.subscribe(self._channel)
        try:
            yield self._events(pubsub)
        finally:
            await pubsub.unsubscribe(self._channel)
            await pubsub.aclose()

    async def _events(self, pubsub: PubSub) -> AsyncIterator[HandoffEvent]:
        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            try:
                yield HandoffEvent.from_dict(json.loads(message["data"]))
            except ValueError:
                log.warning("bus.foreign_message channel=%s", self._channel)
