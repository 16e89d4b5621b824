"""WeChat retries a callback up to three times: run each message's turn once, wherever it lands, and never lose it.

A delivery takes a short lease on the message before its turn and renews it while the turn (and a late reply's
push) runs; when it is done the lease becomes a done record holding the answer (the passive reply text, or ""
when the reply went through the customer-service API), which later retries get again. A process that dies stops
renewing: its lease runs out within ``lease_s`` and the next retry takes the message over.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_LEASE = "lease:"
_DONE = "done:"
_POLL_S = 0.05


class Lease(Protocol):
    """This process's hold on one message while its turn runs."""

    async def finish(self, outcome: str) -> None:
        """Replace the lease by the done record that answers later retries ("" means `success`)."""
        ...

    async def abandon(self) -> None:
        """Give the message up so that the next retry runs it (the turn could not be run)."""
        ...


@dataclass(frozen=True)
class Claim:
    """What a delivery found: a lease of its own (run the turn), the recorded answer, or neither (still running)."""

    lease: Lease | None = None
    outcome: str | None = None


class Deduplicator(Protocol):
    """Leases and done records of callback keys, shared by every process that may receive a retry."""

    async def claim(self, key: str, wait_s: float) -> Claim:
        """A lease when nobody holds a live one; else the recorded outcome, waiting up to ``wait_s`` for it."""
        ...


class InMemoryDeduplicator:
    """Leases in this process only (the embedded default): a lease lives as long as its turn."""

    def __init__(self, ttl_s: float):
        self._ttl_s = ttl_s
        self._done: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._running: dict[str, asyncio.Event] = {}

    async def claim(self, key: str, wait_s: float) -> Claim:
        """A lease for the first delivery; retries wait for the answer while it runs."""
        self._expire(time.monotonic())
        if key not in self._done and key not in self._running:
            self._running[key] = asyncio.Event()
            return Claim(lease=_MemoryLease(self, key))
        running = self._running.get(key)
        if running is not None:
            try:
                await asyncio.wait_for(running.wait(), wait_s)
            except asyncio.TimeoutError:
                pass
        if key in self._done:
            return Claim(outcome=self._done[key][1])
        return Claim() if key in self._running else await self.claim(key, 0)

    def _end(self, key: str, outcome: str | None) -> None:
        if outcome is not None:
            self._done[key] = (time.monotonic() + self._ttl_s, outcome)
            self._done.move_to_end(key)
        event = self._running.pop(key, None)
        if event is not None:
            event.set()

    def _expire(self, now: float) -> None:
        while self._done:
            expires, _ = next(iter(self._done.values()))
            if expires > now:
                return
            self._done.popitem(last=False)


class _MemoryLease:
    def __init__(self, owner: InMemoryDeduplicator, key: str):
        self._owner, self._key = owner, key

    async def finish(self, outcome: str) -> None:
        self._owner._end(self._key, outcome)

    async def abandon(self) -> None:
        self._owner._end(self._key, None)


# KEYS[1] the message, ARGV[1] our lease value; then a TTL in ms (renew) or the done value and TTL in s (finish).
_RENEW = """if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0"""
_FINISH = """if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end
return 0"""
_ABANDON = """if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0"""


class RedisDeduplicator:
    """Leases and done records in Redis, so a retry on another process is recognised or, after a crash, runs."""

    def __init__(self, redis: Redis, prefix: str, ttl_s: int, lease_s: float):
        self._redis = redis
        self._prefix = f"{prefix}wechat:dedup:"
        self._ttl_s = ttl_s
        self._lease_ms = max(int(lease_s * 1000), 100)

    async def claim(self, key: str, wait_s: float) -> Claim:
        """Take the message if free (or its owner died); else poll up to ``wait_s`` for its outcome."""
        deadline = time.monotonic() + wait_s
        name = self._prefix + key
        while True:
            value = f"{_LEASE}{uuid.uuid4().hex}"
            if await self._redis.set(name, value, nx=True, px=self._lease_ms):
                return Claim(lease=_RedisLease(self._redis, name, value, self._lease_ms, self._ttl_s))
            raw = cast(bytes | None, await self._redis.get(name))  # the client returns bytes
            if raw is not None and raw.startswith(_DONE.encode()):
                return Claim(outcome=raw[len(_DONE):].decode("utf-8"))
            if raw is not None and time.monotonic() >= deadline:
                return Claim()
            if raw is not None:
                await asyncio.sleep(min(_POLL_S, max(deadline - time.monotonic(), 0)))


class _RedisLease:
    """Renewed every third of its length until finished or abandoned."""

    def __init__(self, redis: Redis, name: str, value: str, lease_ms: int, ttl_s: int):
        self._redis, self._name, self._value, self._ttl_s = redis, name, value, ttl_s
        self._lease_ms = lease_ms
        self._renewal = asyncio.create_task(self._renew())

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            try:
                if not await self._redis.eval(_RENEW, 1, self._name, self._value, self._lease_ms):
                    log.warning("wechat.dedup.lease_lost key=%s", self._name.rsplit(":", 1)[-1])
                    return
            except RedisError as exc:
                log.warning("wechat.dedup.renew_failed error=%s", type(exc).__name__)

    async def _end(self, script: str, *args: str | int) -> int:
        self._renewal.cancel()
        return await self._redis.eval(script, 1, self._name, self._value, *args)

    async def finish(self, outcome: str) -> None:
        if not await self._end(_FINISH, _DONE + outcome, self._ttl_s):
            log.warning("wechat.dedup.finished_after_takeover key=%s", self._name.rsplit(":", 1)[-1])

    async def abandon(self) -> None:
        await self._end(_ABANDON)
