"""A fair per-conversation lock in Redis: turns run one at a time, in the order the channel gave their messages,
and a crashed holder frees the conversation within a short lease instead of a long timeout.

Waiters queue in a sorted set (score: the message's time; ties: its sequence number). Only the head of the queue
may take the lock, so a later message never overtakes an earlier one waiting for it. Holders and waiters each
keep a lease they renew while alive; a dead waiter is dropped from the head, a dead holder's lock expires.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from contextlib import asynccontextmanager
from typing import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

from dialogue.store import StoreUnavailable, TurnOrder

log = logging.getLogger(__name__)

_POLL_S = 0.03
# KEYS: lock, queue. ARGV: our member ("<seq>:<token>"), our token, lease ms, waiter key prefix, our score, the
# queue's TTL ms, 1 to try for the lock (0: only queue). One round trip per try: (re)queue us and keep our waiter
# lease alive, drop dead waiters ahead of us, take the lock if we are first.
_ACQUIRE = """
redis.call('set', ARGV[4] .. ARGV[2], 1, 'PX', ARGV[3])
redis.call('zadd', KEYS[2], 'NX', ARGV[5], ARGV[1])
redis.call('pexpire', KEYS[2], ARGV[6])
if ARGV[7] == '0' then return 0 end
while true do
  local head = redis.call('zrange', KEYS[2], 0, 0)[1]
  if not head or head == ARGV[1] then break end
  if redis.call('exists', ARGV[4] .. string.match(head, ':(.*)$')) == 1 then return 0 end
  redis.call('zrem', KEYS[2], head)
end
if redis.call('set', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then
  redis.call('zrem', KEYS[2], ARGV[1])
  redis.call('del', ARGV[4] .. ARGV[2])
  return 1
end
return 0"""
_RENEW = """if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0"""
_RELEASE = """if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0"""


class FairLeaseLock:
    """Factory of per-conversation turns: ``async with lock.hold(name, order)`` around each turn."""

    def __init__(self, client: Redis, *, lease_s: float, wait_s: float, settle_s: float):
        self._client = client
        self._lease_ms = max(int(lease_s * 1000), 100)
        self._wait_s = wait_s
        self._settle_s = settle_s

    @asynccontextmanager
    async def hold(self, name: str, order: TurnOrder | None) -> AsyncIterator[None]:
        """Queue by ``order`` (arrival when None), wait to be first, hold the lock renewed until the block ends."""
        token = uuid.uuid4().hex
        try:
            await self._acquire(name, token, order or TurnOrder(time.time()))
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from exc
        renewal = asyncio.create_task(self._renew(f"{name}:lock", token))
        try:
            yield
        finally:
            renewal.cancel()
            try:
                await self._client.eval(_RELEASE, 1, f"{name}:lock", token)
            except RedisError:  # Redis gone: the lease frees the lock by itself
                pass

    async def _acquire(self, name: str, token: str, order: TurnOrder) -> None:
        queue, waiter, member = f"{name}:queue", f"{name}:waiter:", f"{order.seq:020d}:{token}"
        args = (f"{name}:lock", queue, member, token, self._lease_ms, waiter, order.at,
                int((self._wait_s + 60) * 1000))
        try:
            if order.seq:  # numbered by its channel (WeChat's MsgId): one sent at the same moment may be on its way
                await self._client.eval(_ACQUIRE, 2, *args, 0)
                await asyncio.sleep(self._settle_s)
            deadline = time.monotonic() + self._wait_s
            while not await self._client.eval(_ACQUIRE, 2, *args, 1):
                if time.monotonic() >= deadline:
                    raise StoreUnavailable(f"lock of {name.rsplit(':', 1)[-1]} not acquired in {self._wait_s}s")
                await asyncio.sleep(_POLL_S)
        except BaseException:
            await self._client.zrem(queue, member)
            await self._client.delete(waiter + token)
            raise

    async def _renew(self, key: str, token: str) -> None:
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            try:
                if not await self._client.eval(_RENEW, 1, key, token, self._lease_ms):
                    log.warning("conversation.lock.lost key=%s", key)
                    return
            except RedisError as exc:
                log.warning("conversation.lock.renew_failed error=%s", type(exc).__name__)
