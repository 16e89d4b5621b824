"""Messages waiting for an app user (agent replies, notices): kept until the client acknowledges their cursor,
so a client that reconnects or polls catches up without loss or duplicates. Redis when configured, else in
process; bounded per user either way."""
from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict, deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ContextManager, Iterator, Protocol

from redis.asyncio import Redis


def first_cursor() -> int:
    """Where a new (or expired and recreated) mailbox starts counting: the time in milliseconds, so a cursor is
    always above every cursor the user was given before, and a client holding an old one never skips a message."""
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Posted:
    """One waiting message and its cursor (increasing per user; the client acknowledges up to a cursor)."""

    cursor: int
    message: dict[str, Any]


class Mailbox(Protocol):
    """Per-user queues of rendered messages."""

    async def put(self, user_id: str, messages: list[dict[str, Any]]) -> int:
        """Append ``messages``; returns the last one's cursor."""
        ...

    async def since(self, user_id: str, cursor: int) -> list[Posted]:
        """Waiting messages after ``cursor``, oldest first."""
        ...

    async def ack(self, user_id: str, cursor: int) -> None:
        """The client has everything up to ``cursor``: forget it."""
        ...

    def listen(self, user_id: str) -> ContextManager[asyncio.Event]:
        """An event set when something may have arrived for ``user_id``; clear it before each look."""
        ...

    recheck_s: float
    """How long a listener may sleep before looking again (puts in other processes ring no bell here)."""


class Doorbells:
    """Wakes this process's connections of one user when a message is put for them."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Event]] = {}

    def ring(self, user_id: str) -> None:
        """Something arrived for ``user_id``."""
        for event in self._listeners.get(user_id, ()):
            event.set()

    @contextmanager
    def listen(self, user_id: str) -> Iterator[asyncio.Event]:
        """An event set by every ring for ``user_id`` while the block runs (clear it before each look)."""
        event = asyncio.Event()
        self._listeners.setdefault(user_id, set()).add(event)
        try:
            yield event
        finally:
            listeners = self._listeners[user_id]
            listeners.discard(event)
            if not listeners:
                del self._listeners[user_id]


class InMemoryMailbox:
    """One process's mailboxes: at most ``max_messages`` per user and ``max_users`` users (least recent go)."""

    recheck_s = 30.0

    def __init__(self, max_messages: int = 100, max_users: int = 10_000, ttl_s: float = 7 * 24 * 3600):
        self._boxes: OrderedDict[str, tuple[int, deque[Posted], float]] = OrderedDict()
        self._max_messages, self._max_users, self._ttl_s = max_messages, max_users, ttl_s
        self._bells = Doorbells()

    async def put(self, user_id: str, messages: list[dict[str, Any]]) -> int:
        last, box, _ = self._box(user_id)
        for message in messages:
            last += 1
            box.append(Posted(last, message))
        self._boxes[user_id] = (last, box, time.monotonic() + self._ttl_s)
        self._boxes.move_to_end(user_id)
        while len(self._boxes) > self._max_users:
            self._boxes.popitem(last=False)
        self._bells.ring(user_id)
        return last

    async def since(self, user_id: str, cursor: int) -> list[Posted]:
        return [posted for posted in self._box(user_id)[1] if posted.cursor > cursor]

    async def ack(self, user_id: str, cursor: int) -> None:
        box = self._box(user_id)[1]
        while box and box[0].cursor <= cursor:
            box.popleft()

    def listen(self, user_id: str) -> ContextManager[asyncio.Event]:
        return self._bells.listen(user_id)

    def _box(self, user_id: str) -> tuple[int, deque[Posted], float]:
        entry = self._boxes.get(user_id)
        if entry is None or entry[2] < time.monotonic():
            return first_cursor(), deque(maxlen=self._max_messages), 0.0
        return entry


# KEYS: counter, list; ARGV: ttl, max, first cursor, messages…  Cursor and append in one step, so a reader never
# sees a gap; a counter that expired starts again above every cursor it gave out (see first_cursor).
_PUT = """
local last = 0
redis.call('SET', KEYS[1], ARGV[3], 'NX')
for i = 4, #ARGV do
  last = redis.call('INCR', KEYS[1])
  redis.call('RPUSH', KEYS[2], last .. ':' .. ARGV[i])
end
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return last
"""
# KEYS: list; ARGV: cursor. Drop the acknowledged head (the list is in cursor order).
_ACK = """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local drop = 0
for _, item in ipairs(items) do
  if tonumber(string.match(item, '^(%d+):')) > tonumber(ARGV[1]) then break end
  drop = drop + 1
end
if drop > 0 then redis.call('LTRIM', KEYS[1], drop, -1) end
return drop
"""


class RedisMailbox:
    """Mailboxes shared by every process: a list and a cursor counter per user, both with a TTL.

    A put in another process reaches this one's connections within ``recheck_s`` (they look again that often).
    """

    def __init__(self, redis: Redis, prefix: str, max_messages: int = 100, ttl_s: int = 7 * 24 * 3600,
                 recheck_s: float = 1.0):
        self._redis, self._prefix = redis, prefix
        self._max_messages, self._ttl_s, self.recheck_s = max_messages, ttl_s, recheck_s
        self._put, self._ack = redis.register_script(_PUT), redis.register_script(_ACK)
        self._bells = Doorbells()

    def _keys(self, user_id: str) -> list[str]:
        base = f"{self._prefix}app:mailbox:{user_id}"
        return [base + ":cursor", base + ":messages"]

    async def put(self, user_id: str, messages: list[dict[str, Any]]) -> int:
        bodies = [json.dumps(m, ensure_ascii=False) for m in messages]
        last = int(await self._put(keys=self._keys(user_id), args=[self._ttl_s, self._max_messages, first_cursor(), *bodies]))
        self._bells.ring(user_id)
        return last

    async def since(self, user_id: str, cursor: int) -> list[Posted]:
        posted = []
        for raw in await self._redis.lrange(self._keys(user_id)[1], 0, -1):
            head, _, body = (raw.decode() if isinstance(raw, bytes) else raw).partition(":")
            if int(head) > cursor:
                posted.append(Posted(int(head), json.loads(body)))
        return posted

    async def ack(self, user_id: str, cursor: int) -> None:
        await self._ack(keys=self._keys(user_id)[1:], args=[cursor])

    def listen(self, user_id: str) -> ContextManager[asyncio.Event]:
        return self._bells.listen(user_id)
