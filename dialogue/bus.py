"""Hand-off events and the bus they travel on (the agent desk subscribes); in-process here, Redis in bot/."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, AsyncContextManager, AsyncIterator, Protocol

from dialogue.types import utcnow


class EventKind(str, Enum):
    """What happened to a conversation's hand-off."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    MESSAGE = "message"
    HANDED_BACK = "handed_back"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class HandoffEvent:
    """One plain event: the conversation, what happened, and its details (text, agent, reason, summary)."""

    kind: EventKind
    conversation_id: str
    channel: str
    user_id: str
    text: str = ""
    agent: str = ""
    reason: str = ""
    group: str = ""
    at: str = field(default_factory=lambda: utcnow().isoformat())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for buses that cross processes."""
        return {**asdict(self), "kind": self.kind.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "HandoffEvent":
        """Rebuild from ``to_dict``; raises ValueError on a foreign shape."""
        try:
            return cls(**{**data, "kind": EventKind(data["kind"])})
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a hand-off event: {exc}") from exc


class Bus(Protocol):
    """Publish hand-off events; subscribers get every event published after they subscribed."""

    async def publish(self, event: HandoffEvent) -> None:
        """Deliver ``event`` to every current subscriber."""
        ...

    def subscribe(self) -> AsyncContextManager[AsyncIterator[HandoffEvent]]:
        """``async with bus.subscribe() as events: async for event in events: ...``"""
        ...


class InProcessBus:
    """Subscribers in this process only: one queue each (the embedded default)."""

    def __init__(self, max_queued: int = 1000):
        self._max_queued = max_queued
        self._queues: set[asyncio.Queue[HandoffEvent]] = set()

    async def publish(self, event: HandoffEvent) -> None:
        """Queue ``event`` for each subscriber; a subscriber that stopped reading loses its oldest event."""
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[AsyncIterator[HandoffEvent]]:
        """A queue of events from now on, dropped when the block ends."""
        queue: asyncio.Queue[HandoffEvent] = asyncio.Queue(self._max_queued)
        self._queues.add(queue)
        try:
            yield _drain(queue)
        finally:
            self._queues.discard(queue)


async def _drain(queue: asyncio.Queue[HandoffEvent]) -> AsyncIterator[HandoffEvent]:
    while True:
        yield await queue.get()
