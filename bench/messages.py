"""Drives concurrent conversations against a front door over loopback; prints messages/s, latency and server CPU.

Usage: python bench/messages.py [--mix fault|faq] [--db sqlite|postgresql] [--url URL --pid PID]

Without --url it starts `frontdoor serve` itself on the shipped config (embedded defaults, a scratch database)
and reads the server process's CPU time from /proc/<pid>/stat before and after the measured run.
  fault: each conversation reports a fault end to end (4 messages, one real ticket) and queries it; each names a
         circuit of its own (independent customers), from accounts the bench seeds into its scratch database
         (with --url, the four demo circuits in turn).
  faq:   greetings and how-to questions from the NLU test split, every message from a new sender, 16 connections.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlu.training_data import load_yaml  # noqa: E402  (the project's loader, after the path is set)

SCRIPT = ["我们公司专线断了，麻烦尽快处理", "电路编号 {circuit}", "13800138000", "确认"]
DEMO_CIRCUITS = ("GZ-MSTP-000123", "GZ-IPRAN-0204561", "FS-ETN-0045678", "DG-SDH-00321")
REGIONS = (("GZ", "广州市", "天河区", "industry", "gold"), ("FS", "佛山市", "南海区", "cluster", "silver"),
           ("DG", "东莞市", "长安镇", "cluster", "bronze"))
"""The demo's three regions (circuit prefix, city, county) with a tier and plan: the bench's accounts take turns."""
FAQ_INTENTS = ("greet", "ask_faq")
PG_ADMIN_URL = os.environ.get("FRONTDOOR_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


class Run:
    """Latencies and errors of the measured messages."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []

    async def post(self, session: aiohttp.ClientSession, url: str, sender: str, text: str) -> list[dict]:
        """One message through the app channel (Rasa REST shape)."""
        started = time.perf_counter()
        async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
            body = await response.json()
        self.latencies.append(time.perf_counter() - started)
        if response.status != 200:
            self.errors.append(str(response.status))
        return body


async def fault_conversation(run: Run, session: aiohttp.ClientSession, url: str, circuit: str) -> None:
    """One customer: report a fault on ``circuit``, then ask for the ticket's status."""
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    number = ""
    for text in SCRIPT + ["查一下工单 {ticket}"]:
        body = await run.post(session, url, sender, text.replace("{ticket}", number).replace("{circuit}", circuit))
        found = re.search(r"GD\d{12}", " ".join(item.get("text", "") for item in body))
        number = found.group(0) if found else number


async def fault_mix(run: Run, session: aiohttp.ClientSession, url: str, args: argparse.Namespace) -> None:
    """`--conversations` concurrent fault reports per round, `--rounds` rounds, each on the next circuit."""
    for _ in range(args.rounds):
        await asyncio.gather(*(fault_conversation(run, session, url, next(args.circuits))
                               for _ in range(args.conversations)))


def bench_circuit(number: int) -> str:
    """The circuit of the bench's ``number``-th account, shaped like the demo's GZ-MSTP-000123 (and none of them)."""
    return f"{REGIONS[number % len(REGIONS)][0]}-MSTP-9{number:05d}"


async def seed_circuits(db_url: str, count: int, scratch: Path) -> None:
    """``count`` accounts of one circuit each, through the desk's own seeding (customers spread over the demo's
    three regions and plans), so no two conversations report the same line."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from servicedesk.seed import seed

    customers = []
    for number in range(count):
        _, city, county, tier, plan = REGIONS[number % len(REGIONS)]
        circuit = {"circuit_id": bench_circuit(number), "service_type": "专线", "address": f"{city}{county}压测路{number}号"}
        customers.append({"code": f"BJ{number:06d}", "name": f"压测客户{number}", "tier": tier, "province": "广东省",
                          "city": city, "county": county, "service_plan": plan, "circuits": [circuit]})
    path = scratch / "bench_seed.yml"
    path.write_text(yaml.safe_dump({"customers": customers}, allow_unicode=True), encoding="utf-8")
    engine = create_async_engine(db_url)
    try:
        await seed(engine, path)
    finally:
        await engine.dispose()


def faq_lines() -> list[str]:
    """Greetings and how-to questions of the held-back NLU test split."""
    data = load_yaml(ROOT / "nlu" / "data" / "test" / "nlu_test.yml")
    return [example.text for example in data.examples if example.intent in FAQ_INTENTS]


async def faq_mix(run: Run, session: aiohttp.ClientSession, url: str, args: argparse.Namespace) -> None:
    """`--messages` lines, each from a new sender, over `--connections` connections."""
    lines = itertools.islice(itertools.cycle(faq_lines()), args.messages)

    async def worker() -> None:
        for text in lines:
            await run.post(session, url, f"faq-{uuid.uuid4().hex[:12]}", text)

    await asyncio.gather(*(worker() for _ in range(args.connections)))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def fresh_postgres(name: str, drop: bool = False) -> str:
    """Create (or drop) a scratch PostgreSQL database; returns its URL."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if drop
                                      else f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@asynccontextmanager
async def server(db: str, circuits: int) -> AsyncIterator[tuple[str, int]]:
    """`frontdoor serve` on the shipped config and a scratch database with ``circuits`` bench accounts; yields its
    URL and pid."""
    with tempfile.TemporaryDirectory() as scratch:
        name = f"fd_bench_{uuid.uuid4().hex[:8]}"
        url = await fresh_postgres(name) if db == "postgresql" else f"sqlite+aiosqlite:///{scratch}/bench.db"
        port = free_port()
        env = {**os.environ, "FRONTDOOR_STORAGE__URL": url}
        process = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(ROOT / "config.yaml"), "serve",
                                    "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=open(Path(scratch) / "server.log", "w"))
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as session:
                for _ in range(600):
                    try:
                        async with session.get(f"{base}/readyz") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    if process.poll() is not None:
                        raise SystemExit((Path(scratch) / "server.log").read_text()[-2000:])
                    await asyncio.sleep(0.1)
            await seed_circuits(url, circuits, Path(scratch))
            yield base, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)
            if db == "postgresql":
                await fresh_postgres(name, drop=True)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def measure(url: str, pid: int | None, args: argparse.Namespace) -> None:
    """A warm-up, then the measured run; prints the figures."""
    mix = faq_mix if args.mix == "faq" else fault_mix
    connector = aiohttp.TCPConnector(limit=args.connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        warm = argparse.Namespace(**{**vars(args), "messages": 200, "rounds": 1})
        await mix(Run(), session, url, warm)
        run = Run()
        cpu_before = cpu_seconds(pid) if pid else 0.0
        started = time.perf_counter()
        await mix(run, session, url, args)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(pid) - cpu_before if pid else None
    ms = [v * 1000 for v in run.latencies]
    print(f"mix {args.mix}, {args.db if pid else url}: messages {len(ms)}, errors {len(run.errors)}, "
          f"connections {args.connections}")
    print(f"throughput: {len(ms) / elapsed:.1f} messages/s")
    print(f"latency ms: p50 {percentile(ms, 0.5):.1f}  p95 {percentile(ms, 0.95):.1f}  "
          f"p99 {percentile(ms, 0.99):.1f}  mean {statistics.fmean(ms):.1f}")
    if cpu is not None:
        print(f"server CPU: {1000 * cpu / len(ms):.2f} ms per message ({cpu:.2f} s in {elapsed:.2f} s)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", choices=["fault", "faq"], default="fault")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite", help="when starting the server")
    parser.add_argument("--url", help="an already running front door (default: start one)")
    parser.add_argument("--pid", type=int, help="its process id, for the CPU figure")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--messages", type=int, default=4000, help="faq: messages in the measured run")
    parser.add_argument("--conversations", type=int, default=50, help="fault: concurrent conversations per round")
    parser.add_argument("--rounds", type=int, default=4, help="fault: rounds")
    args = parser.parse_args()
    if args.mix == "fault" and args.connections == 16:
        args.connections = args.conversations
    if args.url:
        args.circuits = itertools.cycle(DEMO_CIRCUITS)
        await measure(args.url, args.pid, args)
        return
    count = args.conversations * (args.rounds + 1) if args.mix == "fault" else 0  # the warm-up is one more round
    args.circuits = map(bench_circuit, range(count))
    async with server(args.db, count) as (url, pid):
        await measure(url, pid, args)


if __name__ == "__main__":
    asyncio.run(main())
