"""Hotline turns per second: concurrent signed calls against a running front door's voice webhooks.

Usage: FRONTDOOR_CHANNELS__VOICE__ENABLED=true FRONTDOOR_CHANNELS__VOICE__AUTH_TOKEN=... \
       FRONTDOOR_CHANNELS__VOICE__PUBLIC_URL=https://hotline.example.cn frontdoor serve &
       python bench/voice.py [--url http://127.0.0.1:8080] [--calls 20] [--rounds 5]
(same three variables in this shell). Each call dials, reports a fault by speech and keys, confirms and hangs up;
the figures are for `/voice/gather` (every turn after the greeting): turns/s, p50, p99, hold redirects.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from channels.voice.softphone import Softphone  # noqa: E402

TURNS = [("say", "你好 我们公司的专线从早上开始断了"), ("say", "电路编号 GZ MSTP 000123"),
         ("press", "13800138000#"), ("press", "1"), ("say", "没有别的事了 谢谢 再见")]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def one_call(session: aiohttp.ClientSession, url: str, token: str, public: str, caller: str,
                   latencies: list[float], holds: list[int]) -> None:
    """Dial, walk the turns, hang up; time every /voice/gather round trip."""
    async def post_form(path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        started = time.perf_counter()
        async with session.post(url + path, data=params, headers=headers) as response:
            body = await response.text()
        if path.startswith("/voice/gather"):
            latencies.append(time.perf_counter() - started)
        if path.startswith("/voice/result"):
            holds.append(1)
        return response.status, body

    phone = Softphone(post_form, token, public, caller=caller)
    await phone.dial()
    for action, value in TURNS:
        heard = await getattr(phone, action)(value)
        if heard.next_step != "gather":
            break
    await phone.hang_up()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--calls", type=int, default=20, help="concurrent calls")
    parser.add_argument("--rounds", type=int, default=5, help="calls per concurrent line")
    args = parser.parse_args()
    token = os.environ.get("FRONTDOOR_CHANNELS__VOICE__AUTH_TOKEN", "")
    public = os.environ.get("FRONTDOOR_CHANNELS__VOICE__PUBLIC_URL", "")
    if not (token and public):
        sys.exit("set FRONTDOOR_CHANNELS__VOICE__AUTH_TOKEN and FRONTDOOR_CHANNELS__VOICE__PUBLIC_URL as for the server")
    latencies: list[float] = []
    holds: list[int] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.calls)) as session:
        async def line(index: int) -> None:
            for round_ in range(args.rounds):
                await one_call(session, args.url.rstrip("/"), token, public, f"+86139{index:04d}{round_:04d}",
                               latencies, holds)

        started = time.perf_counter()
        await asyncio.gather(*(line(i) for i in range(args.calls)))
        elapsed = time.perf_counter() - started
    print(f"calls: {args.calls * args.rounds} ({args.calls} concurrent), gather turns: {len(latencies)}")
    print(f"turns/s: {len(latencies) / elapsed:.1f}")
    print(f"/voice/gather latency p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms; hold redirects: {len(holds)}")


if __name__ == "__main__":
    asyncio.run(main())
