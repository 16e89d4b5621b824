"""The customer-service window per user: 5 messages within 48 h of the user's message, 3 within 1 min of a
menu click, follow or QR scan. Outside it a message fails with 45015, over the quota with 45047.

See https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from redis.asyncio import Redis

from channels.wechat.inbound import Window


@dataclass(frozen=True)
class Rule:
    """How long a window stays open and how many messages it allows."""

    span_s: int
    quota: int


RULES = {Window.EVENT: Rule(60, 3), Window.MESSAGE: Rule(48 * 3600, 5)}
"""Tried in this order: the short event window first, so the 48 h quota is spent last."""


class Slot(str, Enum):
    """The answer to "may I send one more?"."""

    OK_EVENT = "event"
    OK_MESSAGE = "message"
    CLOSED = "closed"
    EXHAUSTED = "exhausted"


class WindowTracker(Protocol):
    """Windows and quotas of every user, shared by the server processes."""

    async def open(self, openid: str, window: Window) -> None:
        """The user wrote, clicked, followed or scanned: a fresh window."""
        ...

    async def reserve(self, openid: str) -> Slot:
        """Take one message from an open window, or say why not."""
        ...

    async def refund(self, openid: str, slot: Slot) -> None:
        """Give back a reserved message that was not delivered."""
        ...

    async def close(self, openid: str, slot: Slot) -> None:
        """The platform said 45015 (Slot.CLOSED: no window) or 45047 (the window of ``slot`` is spent)."""
        ...


class InMemoryWindowTracker:
    """Windows in this process (the embedded default)."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, Window], list[float]] = {}

    async def open(self, openid: str, window: Window) -> None:
        """A fresh window of the kind."""
        self._windows[(openid, window)] = [time.monotonic() + RULES[window].span_s, 0]

    async def reserve(self, openid: str) -> Slot:
        """One message from the first open window with quota left."""
        now, seen = time.monotonic(), False
        for window, rule in RULES.items():
            entry = self._windows.get((openid, window))
            if entry is None or entry[0] <= now:
                continue
            seen = True
            if entry[1] < rule.quota:
                entry[1] += 1
                return Slot(window.value)
        return Slot.EXHAUSTED if seen else Slot.CLOSED

    async def refund(self, openid: str, slot: Slot) -> None:
        """Undo one reservation."""
        entry = self._windows.get((openid, Window(slot.value)))
        if entry is not None and entry[1] > 0:
            entry[1] -= 1

    async def close(self, openid: str, slot: Slot) -> None:
        """Forget every window on Slot.CLOSED (45015); else spend the window of ``slot`` (45047)."""
        for window, rule in RULES.items():
            if slot == Slot.CLOSED:
                self._windows.pop((openid, window), None)
            elif window.value == slot.value and (openid, window) in self._windows:
                self._windows[(openid, window)][1] = rule.quota


_RESERVE = """
local seen = 0
for i, key in ipairs(KEYS) do
  local used = redis.call('GET', key)
  if used then
    seen = 1
    if tonumber(used) < tonumber(ARGV[i]) then
      redis.call('INCR', key)
      return i
    end
  end
end
return -seen
"""
_REFUND = "if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then " \
          "return redis.call('DECR', KEYS[1]) end return 0"
_SPEND = "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL') end return 0"


class RedisWindowTracker:
    """Windows in Redis: a counter per user and window kind whose TTL is the window."""

    def __init__(self, redis: Redis, prefix: str):
        self._redis = redis
        self._prefix = f"{prefix}wechat:window:"
        self._reserve = redis.register_script(_RESERVE)
        self._refund = redis.register_script(_REFUND)
        self._spend = redis.register_script(_SPEND)

    def _key(self, openid: str, window: Window) -> str:
        return f"{self._prefix}{window.value}:{openid}"

    async def open(self, openid: str, window: Window) -> None:
        """A fresh counter with the window's TTL."""
        await self._redis.set(self._key(openid, window), 0, ex=RULES[window].span_s)

    async def reserve(self, openid: str) -> Slot:
        """Atomically take one message from the first open window with quota left."""
        kinds = list(RULES)
        found = int(await self._reserve(keys=[self._key(openid, w) for w in kinds],
                                        args=[RULES[w].quota for w in kinds]))
        if found > 0:
            return Slot(kinds[found - 1].value)
        return Slot.EXHAUSTED if found < 0 else Slot.CLOSED

    async def refund(self, openid: str, slot: Slot) -> None:
        """Undo one reservation."""
        await self._refund(keys=[self._key(openid, Window(slot.value))])

    async def close(self, openid: str, slot: Slot) -> None:
        """Forget every window on Slot.CLOSED (45015); else spend the window of ``slot`` (45047)."""
        if slot == Slot.CLOSED:
            await self._redis.delete(*(self._key(openid, window) for window in RULES))
            return
        window = Window(slot.value)
        await self._spend(keys=[self._key(openid, window)], args=[RULES[window].quota])
