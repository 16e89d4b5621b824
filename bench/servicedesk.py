"""Service desk over its REST API: tickets opened, status queries and knowledge-base searches per second, on
SQLite and PostgreSQL, then the query plans of what the bot asks the desk on every message (index-backed).

Usage: python bench/servicedesk.py [--backends sqlite,postgresql] [--tickets 400] [--queries 2000]
                                   [--searches 2000] [--concurrency 20] [--plan-rows 20000]
Each backend gets a fresh database and its own front door started in-process on loopback (the shipped
config.yaml, a bench token). The bot's calls are made as the bot makes them: a bot token acting on behalf
of the demo contact `app:demo-bound`. PostgreSQL is skipped when it does not answer
(FRONTDOOR_BENCH_PG, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Awaitable, Callable

import aiohttp
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from servicedesk.kb.evaluate import load_cases  # noqa: E402
from servicedesk import database  # noqa: E402
from servicedesk.models import ChannelIdentity, NoticeRow, TicketRow  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.config import load_config  # noqa: E402

KB_QUESTIONS = ROOT / "bench" / "data" / "kb_dev.tsv"
PG_ADMIN = os.environ.get("FRONTDOOR_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
TOKEN = "bench-token-" + uuid.uuid4().hex
BOT = {"Authorization": f"Bearer {TOKEN}", "X-On-Behalf-Of-Channel": "app", "X-On-Behalf-Of-User": "demo-bound"}
TICKET = {"kind": "incident", "summary": "专线中断", "description": "天河北路专线完全不通", "urgency": "high",
          "service_type": "专线"}

PLANS = {
    "find_binding (every message)":
        "SELECT contacts.id, customers.id FROM contacts "
        "JOIN channel_identities ON channel_identities.contact_id = contacts.id "
        "JOIN customers ON customers.id = contacts.customer_id "
        "WHERE channel_identities.channel = 'app' AND channel_identities.user_id = 'demo-bound'",
    "get_ticket by number":
        "SELECT * FROM tickets WHERE number = 'BX77'",
    "list_tickets, contact (account or own reports)":
        "SELECT * FROM tickets WHERE customer_id = 1 OR (reporter_channel = 'app' AND reporter_user_id = 'demo-bound') "
        "ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0",
    "list_tickets, unbound reporter":
        "SELECT * FROM tickets WHERE reporter_channel = 'app' AND reporter_user_id = 'walkin-42' "
        "ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0",
    "list_tickets, staff by customer":
        "SELECT * FROM tickets WHERE customer_id = 1 ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0",
    "notices_affecting (published, in force now)":
        "SELECT * FROM notices WHERE status = 'published' AND starts_at <= '2026-11-23 10:00:00' "
        "AND ends_at >= '2026-11-23 10:00:00'",
}
"""The shape of the desk's per-message queries (servicedesk: identities, ticket_queries, notices)."""

SYNTHETIC = {
    TicketRow: {"number": "'BX' || s.i", "idempotency_key": "'bench-' || s.i", "customer_id": "NULL",
                "contact_id": "NULL", "reporter_user_id": "'walkin-' || (s.i % 5000)", "version": "1"},
    ChannelIdentity: {"channel": "'wechat'", "user_id": "'o-bench-' || s.i"},
    NoticeRow: {"number": "'NX' || s.i", "status": "'expired'"},
}
"""How synthetic rows differ from a real template row: walk-in reporters spread over 5,000 users, WeChat
identities, past notices; the planner then sees tables of a realistic size."""


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def timed(count: int, concurrency: int, call: Callable[[int], Awaitable[None]]) -> tuple[float, list[float]]:
    """Run ``call(i)`` for i < count, ``concurrency`` at a time; (elapsed seconds, latencies)."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(i: int) -> None:
        async with gate:
            started = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return time.perf_counter() - started, latencies


def report(label: str, elapsed: float, latencies: list[float]) -> None:
    """One line of figures."""
    ms = [v * 1000 for v in latencies]
    print(f"  {label:<28} {len(ms) / elapsed:8.1f}/s   p50 {statistics.median(ms):6.1f} ms   "
          f"p99 {percentile(ms, 0.99):6.1f} ms   ({len(ms)} requests)")


async def drive(base: str, args: argparse.Namespace) -> None:
    """Open tickets, then query their status, over HTTP as the bot does."""
    numbers: list[str] = []
    async with aiohttp.ClientSession() as session:

        async def open_one(i: int) -> None:
            headers = {**BOT, "Idempotency-Key": f"bench-{uuid.uuid4().hex}"}
            async with session.post(f"{base}/api/v1/tickets", json=TICKET, headers=headers) as response:
                body = await response.json()
                if response.status != 201:
                    raise RuntimeError(f"open: {response.status} {body}")
                numbers.append(body["ticket"]["number"])

        async def status_one(i: int) -> None:
            path = f"/api/v1/tickets/{random.choice(numbers)}" if i % 2 else "/api/v1/tickets?limit=5"
            async with session.get(base + path, headers=BOT) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"query: {response.status}")

        questions = [case.question for case in load_cases(KB_QUESTIONS)]  # in scope or not, as customers ask

        async def search_one(i: int) -> None:
            body = {"query": questions[i % len(questions)]}
            async with session.post(f"{base}/api/v1/kb/search", json=body, headers=BOT) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"kb search: {response.status}")

        await publish_notice(session, base)
        report("tickets opened", *await timed(args.tickets, args.concurrency, open_one))
        report("status queries (get/list)", *await timed(args.queries, args.concurrency, status_one))
        report("knowledge-base searches", *await timed(args.searches, args.concurrency, search_one))


async def publish_notice(session: aiohttp.ClientSession, base: str) -> None:
    """One published notice for 天河区 (the bot's tickets then also meet a notice in force)."""
    admin = {"Authorization": f"Bearer {TOKEN}", "X-Actor-Id": "bench-admin"}
    notice = {"kind": "planned", "title": "天河区割接", "text": "今晚 0-4 点专线割接。", "scope": {"regions": ["天河区"]},
              "starts_at": "2026-01-01T00:00:00+08:00", "ends_at": "2030-01-01T00:00:00+08:00"}
    async with session.post(f"{base}/api/v1/notices", json=notice, headers=admin) as response:
        number = (await response.json())["number"]
    async with session.post(f"{base}/api/v1/notices/{number}/publish", headers=admin) as response:
        if response.status != 200:
            raise RuntimeError(f"publish: {response.status} {await response.text()}")


async def serve_and_drive(url: str, args: argparse.Namespace) -> None:
    """A front door on ``url`` listening on a loopback port for the length of the run."""
    config = load_config(ROOT / "config.yaml", {
        **os.environ, "FRONTDOOR_STORAGE__URL": url, "FRONTDOOR_STORAGE__SEED_DEMO": "true",
        "FRONTDOOR_API__TOKENS__BENCH__SCOPES": "bot,agent,admin", "FRONTDOOR_API__TOKENS__BENCH__TOKEN": TOKEN})
    runner = web.AppRunner(create_app(config), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        await drive(f"http://{host}:{port}", args)
    finally:
        await runner.cleanup()


async def fill(engine: AsyncEngine, rows: int) -> None:
    """Copy one real row of each table into ``rows`` synthetic ones, then ANALYZE."""
    async with engine.begin() as conn:
        for model, overrides in SYNTHETIC.items():
            table = model.__table__
            columns = [c.name for c in table.columns if c.name != "id"]
            picks = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
            template = (await conn.execute(text(f"SELECT min(id) FROM {table.name}"))).scalar_one()
            await conn.execute(text(
                f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(rows)}) "
                f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {picks} FROM s, {table.name} t "
                f"WHERE t.id = {template}"))
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))


async def explain(engine: AsyncEngine) -> None:
    """EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL) of each per-message query."""
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as conn:
        total = (await conn.execute(text("SELECT count(*) FROM tickets"))).scalar_one()
        print(f"  plans ({total} tickets):")
        for label, sql in PLANS.items():
            rows = (await conn.execute(text(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql))).all()
            print(f"    {label}")
            for row in rows:
                print(f"      {row[-1] if sqlite else row[0]}")


async def run_backend(name: str, url: str, args: argparse.Namespace) -> None:
    """Figures and plans of one database."""
    print(f"\n{name}")
    await serve_and_drive(url, args)
    engine = database.open_engine(url)
    try:
        await fill(engine, args.plan_rows)
        await explain(engine)
    finally:
        await engine.dispose()


async def with_postgres(args: argparse.Namespace) -> None:
    """A scratch PostgreSQL database for the run, dropped afterwards."""
    admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"fd_bench_{uuid.uuid4().hex[:8]}"
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, database.DB_ERRORS) as exc:
        print(f"\npostgresql: skipped ({type(exc).__name__}: PostgreSQL does not answer at {PG_ADMIN})")
        await admin.dispose()
        return
    try:
        await run_backend("postgresql", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", args)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--tickets", type=int, default=400, help="tickets to open over the API")
    parser.add_argument("--queries", type=int, default=2000, help="status queries (half get, half list)")
    parser.add_argument("--searches", type=int, default=2000, help="knowledge-base searches (dev-set questions)")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--plan-rows", type=int, default=20000, help="synthetic tickets added before EXPLAIN")
    args = parser.parse_args()
    print(f"REST API over loopback, {args.concurrency} concurrent requests, bot token on behalf of app:demo-bound")
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                await run_backend("sqlite", f"sqlite+aiosqlite:///{folder}/bench.db", args)
        elif backend == "postgresql":
            await with_postgres(args)
        else:
            parser.error(f"unknown backend {backend!r}")


if __name__ == "__main__":
    asyncio.run(main())
