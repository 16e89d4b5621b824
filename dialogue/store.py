"""Conversation store port and its in-process implementation (the embedded default)."""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncContextManager, AsyncIterator, NamedTuple, Protocol

from dialogue.types import InboundMessage


class StoreUnavailable(Exception):
    """The conversation store cannot be reached; the turn fails with an apology, nothing is lost."""


class TurnOrder(NamedTuple):
    """Where a message stands among its conversation's: the channel's time for it, then its sequence number."""

    at: float
    seq: int = 0


def turn_order(message: InboundMessage) -> TurnOrder:
    """The message's time (WeChat's CreateTime, or arrival) and the number its id ends with (WeChat's MsgId)."""
    tail = (message.message_id or "").rsplit(":", 1)[-1]
    seq = int(tail) if tail.isascii() and tail.isdigit() and len(tail) <= 19 else 0
    return TurnOrder(message.received_at.timestamp(), seq)


class ConversationStore(Protocol):
    """Keeps conversation state as JSON-ready dicts and serialises turns of one conversation."""

    async def load(self, conversation_id: str) -> dict[str, Any] | None:
        """The saved state or None."""
        ...

    async def save(self, conversation_id: str, state: dict[str, Any]) -> None:
        """Replace the saved state (and refresh its time to live)."""
        ...

    def lock(self, conversation_id: str, order: TurnOrder | None = None) -> AsyncContextManager[None]:
        """Held around a whole turn so two messages of one user are handled one at a time, earlier ``order`` first."""
        ...

    async def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot be reached."""
        ...


class InMemoryConversationStore:
    """Process-local store with expiry; right for one process, lost on restart."""

    def __init__(self, ttl_s: float):
        self._ttl_s = ttl_s
        self._items: dict[str, tuple[float, dict[str, Any]]] = {}
        self._turns: dict[str, _Turns] = {}

    async def load(self, conversation_id: str) -> dict[str, Any] | None:
        """The saved state, unless expired."""
        item = self._items.get(conversation_id)
        if item is None or item[0] < time.monotonic():
            self._items.pop(conversation_id, None)
            return None
        return item[1]

    async def save(self, conversation_id: str, state: dict[str, Any]) -> None:
        """Store ``state`` until the TTL passes."""
        self._items[conversation_id] = (time.monotonic() + self._ttl_s, state)

    @asynccontextmanager
    async def lock(self, conversation_id: str, order: TurnOrder | None = None) -> AsyncIterator[None]:
        """One turn at a time per conversation, the earliest waiting ``order`` first; dropped when unused."""
        turns = self._turns.setdefault(conversation_id, _Turns())
        try:
            async with turns.hold(order or TurnOrder(time.time())):
                yield
        finally:
            if turns.idle:
                self._turns.pop(conversation_id, None)

    async def ping(self) -> None:
        """Always reachable."""


class _Turns:
    """One conversation's waiting turns in one process: granted in message order, not in the order they asked."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting: list[tuple[float, int, int, asyncio.Future[None]]] = []
        self._serial = itertools.count()

    @property
    def idle(self) -> bool:
        return not self._busy and not self._waiting

    @asynccontextmanager
    async def hold(self, order: TurnOrder) -> AsyncIterator[None]:
        entry = (order.at, order.seq, next(self._serial), asyncio.get_running_loop().create_future())
        heapq.heappush(self._waiting, entry)
        self._grant()
        try:
            await entry[3]
        except BaseException:
            if entry[3].done() and not entry[3].cancelled():
                self._release()
            else:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
            raise
        try:
            yield
        finally:
            self._release()

    def _grant(self) -> None:
        if not self._busy and self._waiting:
            self._busy = True
            heapq.heappop(self._waiting)[3].set_result(None)

    def _release(self) -> None:
        self._busy = False
        self._grant()
