"""Mutation fuzzing of a running front door over loopback: answers by status per endpoint family (target: no 5xx).

Usage: python bench/fuzz.py [--backends sqlite,postgresql] [--requests 5000] [--max-seconds 900]
                            [--concurrency 8] [--seed 1] [--url http://127.0.0.1:PORT --token TOKEN]
Without --url, each backend gets a fresh database and its own `frontdoor serve` process on 127.0.0.1 (the shipped
config.yaml, one token with every scope, background jobs off). With --url, the server must be on loopback and the
token must carry the bot, delivery, agent and admin scopes. Each family starts from valid requests and mutates
them the way a scanner does: bytes flipped, inserted and cut, values swapped for NUL, lone surrogates, 2^63,
1e999, nesting thousands deep, year 1 timestamps, wrong types, fields dropped or invented, headers mangled.
Every 5xx is printed with the request that caused it. PostgreSQL is skipped when it does not answer
(FRONTDOOR_BENCH_PG, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import quote, urlsplit

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("FRONTDOOR_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
HOSTILE: list[Any] = ["\x00", "\ud800", "a\udfffb", 2 ** 63, -(2 ** 63) - 1, 2 ** 31, 1e308, "1e999", None, True, [],
                      {}, "", " ", "专线" * 3000, "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                      "2026-12-04T08:00:00", "<script>alert(1)</script>", "' OR 1=1 --", "]]>", "%00", "\\u0000",
                      "KH44010001", "demo-bound", -1, 0, 10 ** 40]
DEEP = re.compile(r'"__DEEP(\d+)__"')
CUSTOMER = {"X-On-Behalf-Of-Channel": "app", "X-On-Behalf-Of-User": "demo-bound"}
STAFF = {"X-Actor-Id": "fuzz-agent"}


class Request:
    """One request to send: method, path with query, headers, body bytes."""

    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes | None):
        self.method, self.path, self.headers, self.body = method, path, headers, body

    def describe(self) -> str:
        """Short enough to print next to a 5xx."""
        body = (self.body or b"")[:160]
        return f"{self.method} {self.path[:160]} {dict(list(self.headers.items())[:3])} {body!r}"


def seeds(token: str) -> dict[str, list[tuple[str, str, dict[str, str], Any]]]:
    """Valid requests per endpoint family, the starting points of every mutation."""
    bot = {"Authorization": f"Bearer {token}", **CUSTOMER}
    agent = {"Authorization": f"Bearer {token}", **STAFF, "X-Actor-Role": "agent"}
    fault = {"kind": "incident", "summary": "专线断了", "description": "天河北路的专线从早上九点开始完全不通",
             "urgency": "high", "circuit_id": "GZ-MSTP-000123", "contact_phone": "13800138001"}
    notice = {"kind": "planned", "title": "天河区光缆割接", "text": "凌晨割接，业务中断约30分钟",
              "scope": {"regions": ["天河区"], "service_types": ["专线"], "circuit_ids": []},
              "starts_at": "2026-12-05T01:00:00+08:00", "ends_at": "2026-12-05T03:00:00+08:00"}
    article = {"key": "fuzz-article", "title": "光猫红灯怎么办", "short_answer": "请检查尾纤。", "body": "检查尾纤。",
               "questions": ["光猫红灯"], "status": "draft"}
    return {
        "webhook": [("POST", "/webhooks/rest/webhook", {}, {"sender": "fuzz-user", "message": "我们公司专线断了"}),
                    ("POST", "/webhooks/rest/webhook", {}, {"sender": "fuzz-user", "message": "查一下工单 GD202612040001",
                                                            "metadata": {"message_id": "m-1"}})],
        "tickets": [("POST", "/api/v1/tickets", {**bot, "Idempotency-Key": "fuzz-key"}, fault),
                    ("GET", "/api/v1/tickets?limit=5&offset=0&status=assigned", bot, None),
                    ("POST", "/api/v1/tickets/GD202612040001/transition", agent,
                     {"status": "in_progress", "expected_version": 1}),
                    ("POST", "/api/v1/tickets/GD202612040001/escalate", bot, {"reason": "太慢了"})],
        "knowledge": [("POST", "/api/v1/kb/search", bot, {"query": "光猫LOS灯红色闪烁怎么办", "limit": 3}),
                      ("POST", "/api/v1/kb/feedback", bot, {"article": "ont-los", "query": "光猫红灯", "solved": False}),
                      ("POST", "/api/v1/kb/articles", agent, {"articles": [article], "retire_missing": False}),
                      ("GET", "/api/v1/kb/gaps?limit=5&days=30", agent, None),
                      ("GET", "/api/v1/kb/articles/ont-los", bot, None)],
        "identity": [("POST", "/api/v1/verifications", {"Authorization": f"Bearer {token}"},
                      {"channel": "wechat", "user_id": "o-fuzz", "customer_code": "KH44060002",
                       "mobile": "13900139002"}),
                     ("POST", "/api/v1/verifications/confirm", {"Authorization": f"Bearer {token}"},
                      {"channel": "wechat", "user_id": "o-fuzz", "code": "123456"}),
                     ("GET", "/api/v1/bindings/app/demo-bound", {"Authorization": f"Bearer {token}"}, None),
                     ("GET", "/api/v1/customers/KH44010001", bot, None)],
        "notices_outbox": [("POST", "/api/v1/notices", agent, notice),
                           ("GET", "/api/v1/notices?region=天河区&at=2026-12-05T02:00:00%2B08:00", bot, None),
                           ("POST", "/api/v1/outbox/claim", {"Authorization": f"Bearer {token}"},
                            {"channel": "wechat", "limit": 10, "lease_s": 30}),
                           ("POST", "/api/v1/outbox/1/failed", {"Authorization": f"Bearer {token}"},
                            {"error": "-1", "retry": True})],
    }


def _hostile(rng: random.Random) -> Any:
    if rng.random() < 0.1:
        return _Deep(rng.choice([40, 1000, 5000]))
    return rng.choice(HOSTILE)


class _Deep:
    """Nesting too deep for Python's own encoder: written out as text."""

    def __init__(self, depth: int):
        self.depth = depth


def _mutate_value(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(list(value))
        roll = rng.random()
        if roll < 0.15:
            return {k: v for k, v in value.items() if k != key}
        if roll < 0.25:
            return {**value, rng.choice(["colour", "\x00", "\ud800", "id", "idempotency_key"]): _hostile(rng)}
        return {**value, key: _mutate_value(value[key], rng)}
    if isinstance(value, list) and value and rng.random() < 0.6:
        i = rng.randrange(len(value))
        return value[:i] + [_mutate_value(value[i], rng)] + value[i + 1:]
    return _hostile(rng)


def _encode(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=True, allow_nan=True, default=lambda deep: f"__DEEP{deep.depth}__")
    return DEEP.sub(lambda match: "[" * int(match.group(1)) + "]" * int(match.group(1)), text).encode()


def _mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        roll, at = rng.random(), rng.randrange(len(data) + 1)
        if roll < 0.4 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif roll < 0.7:
            data[at:at] = rng.choice([b"\x00", b"\xff\xfe", b"\\ud800", b"{", b"[[[[", b'"', b"\\", b"9" * 25])
        else:
            del data[at:at + rng.randint(1, 8)]
    return bytes(data)


def _mutate_path(path: str, rng: random.Random) -> str:
    base, _, query = path.partition("?")
    if rng.random() < 0.5 and query:
        pairs = [pair.partition("=") for pair in query.split("&")]
        i = rng.randrange(len(pairs))
        value = str(_hostile(rng))
        pairs[i] = (pairs[i][0], "=", quote(value.encode("utf-8", "surrogatepass"), safe=""))
        return base + "?" + "&".join("".join(p) for p in pairs)
    segments = base.split("/")
    i = rng.randrange(2, len(segments)) if len(segments) > 2 else len(segments) - 1
    segments[i] = quote(str(_hostile(rng)).encode("utf-8", "surrogatepass")[:300], safe="")
    return "/".join(segments) + (f"?{query}" if query else "")


def _mutate_headers(headers: dict[str, str], rng: random.Random) -> dict[str, str]:
    if not headers or rng.random() < 0.5:
        return headers
    key = rng.choice(list(headers))
    value = rng.choice(["", "x" * 300, "demo\tbound", "Bearer", "Bearer  ", "é" * 10, "wechat", "agent", "system"])
    return {**headers, key: value}


def mutated(seed: tuple[str, str, dict[str, str], Any], rng: random.Random) -> Request:
    """One mutation of a valid request: its body, its path and query, or its headers."""
    method, path, headers, body = seed
    raw = None if body is None else _encode(body)
    roll = rng.random()
    if body is not None and roll < 0.55:
        raw = _encode(_mutate_value(body, rng))
    elif body is not None and roll < 0.75:
        raw = _mutate_bytes(raw or b"", rng)
    elif roll < 0.9:
        path = _mutate_path(path, rng)
    headers = _mutate_headers(headers, rng)
    if body is not None and "Content-Type" not in headers:
        headers = {**headers, "Content-Type": "application/json"}
    if path.startswith("/api/v1/tickets") and method == "POST" and "Idempotency-Key" in headers:
        headers = {**headers, "Idempotency-Key": f"fuzz-{rng.randrange(10 ** 9)}"}
    return Request(method, path, headers, raw)


async def fuzz_family(session: aiohttp.ClientSession, base: str, family: str, seeds_: list, count: int,
                      deadline: float, concurrency: int, rng: random.Random) -> tuple[Counter, list[str], int]:
    """Send ``count`` mutated requests (or until ``deadline``); statuses, 5xx samples, requests sent."""
    statuses: Counter = Counter()
    failures: list[str] = []
    sent = 0
    queue = [mutated(rng.choice(seeds_), rng) for _ in range(count)]

    async def worker() -> None:
        nonlocal sent
        while queue and time.monotonic() < deadline:
            request = queue.pop()
            try:
                async with session.request(request.method, base + request.path, data=request.body,
                                           headers=request.headers) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError as exc:
                status = f"error:{type(exc).__name__}"
            statuses[status] += 1
            sent += 1
            if not isinstance(status, int) or status >= 500:
                failures.append(f"{status} {request.describe()}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses, failures, sent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def fresh_database(backend: str) -> AsyncIterator[str | None]:
    """A scratch database URL for ``backend`` (None when PostgreSQL does not answer)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{folder}/fuzz.db"
        return
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"fd_fuzz_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the bench skips a backend that is not running
        print(f"postgresql: skipped ({type(exc).__name__})")
        await admin.dispose()
        yield None
        return
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@asynccontextmanager
async def served(url: str, token: str) -> AsyncIterator[str]:
    """`frontdoor serve` on a free loopback port with the shipped config on ``url``; its base URL."""
    port = _free_port()
    env = {**os.environ, "FRONTDOOR_STORAGE__URL": url,
           "FRONTDOOR_API__TOKENS__FUZZ__SCOPES": "bot,delivery,agent,admin", "FRONTDOOR_API__TOKENS__FUZZ__TOKEN": token, "FRONTDOOR_JOBS__SLA_INTERVAL_S": "0",
           "FRONTDOOR_JOBS__DELIVERY_INTERVAL_S": "0", "FRONTDOOR_LOGGING__LEVEL": "ERROR"}
    process = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(ROOT / "config.yaml"), "serve",
                                "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_ready(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


async def _wait_ready(base: str, process: subprocess.Popen) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if process.poll() is not None:
                raise SystemExit(f"server exited: {process.stderr.read().decode()[-2000:] if process.stderr else ''}")
            try:
                async with session.get(base + "/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("server did not become ready in 300 s")


async def run(base: str, token: str, label: str, args: argparse.Namespace) -> int:
    """Fuzz every family against ``base``; print the table; the number of 5xx."""
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.max_seconds
    total_5xx = 0
    timeout = aiohttp.ClientTimeout(total=30)
    print(f"\n{label}: {base}, {args.requests} requests per family, concurrency {args.concurrency}")
    print(f"{'family':<16}{'sent':>7}{'2xx':>7}{'4xx':>7}{'5xx':>6}  {'req/s':>7}  statuses")
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for family, family_seeds in seeds(token).items():
            started = time.monotonic()
            statuses, failures, sent = await fuzz_family(session, base, family, family_seeds, args.requests,
                                                         deadline, args.concurrency, rng)
            elapsed = time.monotonic() - started
            by_class = Counter(str(s)[0] + "xx" if isinstance(s, int) else "err" for s in statuses.elements())
            fives = by_class["5xx"] + by_class["err"]
            total_5xx += fives
            detail = ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items(), key=lambda kv: str(kv[0])))
            print(f"{family:<16}{sent:>7}{by_class['2xx']:>7}{by_class['4xx']:>7}{fives:>6}  "
                  f"{sent / elapsed if elapsed else 0:>7.0f}  {detail}")
            for line in failures[:5]:
                print(f"    5xx: {line}")
    return total_5xx


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=5000, help="per endpoint family")
    parser.add_argument("--max-seconds", type=float, default=900, help="per backend")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="fuzz this running server instead (loopback only)")
    parser.add_argument("--token", help="with --url: a token with bot, delivery, agent and admin scopes")
    args = parser.parse_args()
    if args.url:
        if urlsplit(args.url).hostname not in LOOPBACK or not args.token:
            parser.error("--url must be a loopback address, and --token is required")
        return 1 if await run(args.url.rstrip("/"), args.token, "given server", args) else 0
    failures = 0
    for backend in args.backends.split(","):
        async with fresh_database(backend.strip()) as url:
            if url is None:
                continue
            token = "fuzz-token-" + uuid.uuid4().hex
            async with served(url, token) as base:
                failures += await run(base, token, backend.strip(), args)
    print(f"\n5xx in total: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
