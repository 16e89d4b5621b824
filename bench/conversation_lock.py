"""The Redis conversation lock (fair queue + lease) on the real Redis: turns/s and wait p50/p99 with many quiet
conversations and with one conversation flooded, and how soon a crashed holder's conversation runs again.

Usage: python bench/conversation_lock.py [--conversations 200] [--turns 2] [--flood 50] [--turn-ms 5]
Needs Redis on 127.0.0.1:6379 (uses DB 15 under a fresh prefix).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

from redis.asyncio import BlockingConnectionPool, Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.redis_store import RedisConversationStore  # noqa: E402
from dialogue.store import TurnOrder  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/15"


def store(client: Redis, prefix: str, settle_s: float = 0.1) -> RedisConversationStore:
    return RedisConversationStore(client, prefix=prefix, ttl_s=600, lock_timeout_s=60, lock_lease_s=2,
                                  order_settle_s=settle_s)


async def turns(target: RedisConversationStore, conversations: list[str], per: int, turn_s: float,
                numbered: bool) -> tuple[float, list[float]]:
    """Run ``per`` turns in every conversation at once; wall time and each turn's wait for the lock."""
    waits: list[float] = []

    async def one(name: str, n: int) -> None:
        asked = time.perf_counter()
        async with target.lock(name, TurnOrder(time.time(), n + 1 if numbered else 0)):
            waits.append(time.perf_counter() - asked)
            await asyncio.sleep(turn_s)

    started = time.perf_counter()
    await asyncio.gather(*(one(name, n) for name in conversations for n in range(per)))
    return time.perf_counter() - started, waits


def report(label: str, wall: float, waits: list[float]) -> None:
    cuts = statistics.quantiles(waits, n=100)
    print(f"{label}: {len(waits)} turns in {wall:.2f} s = {len(waits) / wall:.0f} turns/s; "
          f"wait p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms")


async def crashed_holder(client: Redis, prefix: str) -> float:
    """A holder that stops renewing (its process was killed): seconds until the next turn gets the lock."""
    await client.set(f"{prefix}conv:wechat:oCrashed:lock", "dead", px=2000)
    asked = time.perf_counter()
    async with store(client, prefix).lock("wechat:oCrashed", TurnOrder(time.time())):
        return time.perf_counter() - asked


async def main(args: argparse.Namespace) -> None:
    # a pool that waits for a free connection (the default one raises past 100 commands in flight)
    client = Redis(connection_pool=BlockingConnectionPool.from_url(REDIS_URL, max_connections=100, timeout=30))
    prefix = f"fdbench:{uuid.uuid4().hex[:8]}:"
    try:
        quiet = [f"app:user{i}" for i in range(args.conversations)]
        report(f"{args.conversations} conversations x {args.turns} turns, arrival order",
               *await turns(store(client, prefix), quiet, args.turns, args.turn_ms / 1000, numbered=False))
        report(f"{args.conversations} conversations x {args.turns} turns, WeChat-numbered (settle 0.1 s)",
               *await turns(store(client, prefix), quiet, args.turns, args.turn_ms / 1000, numbered=True))
        report(f"1 conversation x {args.flood} turns at once",
               *await turns(store(client, prefix), ["wechat:oFlood"], args.flood, args.turn_ms / 1000, numbered=True))
        print(f"a killed holder's conversation runs again after {await crashed_holder(client, prefix):.2f} s "
              "(lease 2 s; the old lock held it up to lock_timeout_s, 15 s)")
    finally:
        async for key in client.scan_iter(match=f"{prefix}*"):
            await client.delete(key)
        await client.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--flood", type=int, default=50)
    parser.add_argument("--turn-ms", type=float, default=5.0, help="time each turn holds the lock")
    asyncio.run(main(parser.parse_args()))
