"""Drives N concurrent conversations against a running front door over loopback; prints messages/s and latency.

Usage: python bench/messages.py [--url http://127.0.0.1:8080] [--conversations 50] [--rounds 4]
Each conversation reports a fault end to end (4 messages, one real ticket) and queries it.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time
import uuid

import aiohttp

SCRIPT = ["你好，我们公司专线断了", "电路编号 GZ-MSTP-000123", "13800138000", "确认"]


async def conversation(session: aiohttp.ClientSession, url: str, latencies: list[float], errors: list[str]) -> None:
    """One customer: report a fault, then ask for the ticket's status."""
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    number = ""
    for text in SCRIPT + ["查一下工单 {ticket}"]:
        started = time.perf_counter()
        async with session.post(f"{url}/webhooks/rest/webhook",
                                json={"sender": sender, "message": text.replace("{ticket}", number)}) as response:
            body = await response.json()
            latencies.append(time.perf_counter() - started)
            if response.status != 200:
                errors.append(f"{response.status}")
                return
        found = re.search(r"GD\d{12}", " ".join(item.get("text", "") for item in body))
        number = found.group(0) if found else number


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--conversations", type=int, default=50, help="concurrent conversations per round")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    latencies: list[float] = []
    errors: list[str] = []
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        for _ in range(args.rounds):
            await asyncio.gather(*(conversation(session, args.url, latencies, errors)
                                   for _ in range(args.conversations)))
        elapsed = time.perf_counter() - started
    ms = [v * 1000 for v in latencies]
    print(f"conversations: {args.conversations * args.rounds} ({args.conversations} concurrent), "
          f"messages: {len(ms)}, errors: {len(errors)}")
    print(f"throughput: {len(ms) / elapsed:.1f} messages/s")
    print(f"latency ms: p50 {percentile(ms, 0.5):.1f}  p95 {percentile(ms, 0.95):.1f}  "
          f"p99 {percentile(ms, 0.99):.1f}  mean {statistics.fmean(ms):.1f}")


if __name__ == "__main__":
    asyncio.run(main())
