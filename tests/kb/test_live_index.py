"""The desk's search index: ready before the first question, rebuilt after imports here and in other processes."""
from __future__ import annotations

import asyncio
import uuid

from redis.asyncio import Redis
from sqlalchemy import event

from backend_client import Actor, Role
from backend_client.kb import Article
from servicedesk import database
from servicedesk.service import SqlServiceDesk
from servicedesk.stamps import RedisStamps
from tests.conftest import seeded_desk
from tests.support import demo_policy, require_redis

ADMIN = Actor(Role.ADMIN, "admin-1", "desk")
INVOICE = Article(key="vat-invoice-paper", title="纸质增值税专用发票怎么邮寄", status="published",
                  short_answer="在营业厅登记邮寄地址后，专票会在开具后三个工作日内寄出。", body="登记地址后寄出。",
                  questions=("专票能寄到公司吗", "发票邮寄要多久"))


async def test_after_warm_up_the_first_search_reads_nothing_from_the_database(sqlite_url):
    async with seeded_desk(sqlite_url) as desk:
        await desk.import_articles([INVOICE], ADMIN)
        fresh = SqlServiceDesk(desk._engine, demo_policy())
        await fresh.warm_up()
        statements: list[str] = []
        event.listen(desk._engine.sync_engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: statements.append(statement))
        result = await fresh.search_kb("增值税专票可以邮寄到我们公司吗", ADMIN)
        assert result.keys[:1] == ["vat-invoice-paper"] and statements == []


async def test_an_import_in_one_process_reaches_the_other_processes_search(sqlite_url):
    require_redis()
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"test-kb-{uuid.uuid4().hex[:8]}:"
    other_engine = database.open_engine(sqlite_url)
    try:
        async with seeded_desk(sqlite_url, stamps=RedisStamps(redis, prefix)) as desk:
            other = SqlServiceDesk(other_engine, demo_policy(), stamps=RedisStamps(redis, prefix))
            await other.warm_up()
            question = "增值税专票可以邮寄到我们公司吗"
            assert (await other.search_kb(question, ADMIN)).keys == []
            await desk.import_articles([INVOICE], ADMIN)
            assert (await desk.search_kb(question, ADMIN)).keys[:1] == ["vat-invoice-paper"]  # this process: at once
            for _ in range(200):  # the other process rebuilds in the background and swaps
                result = await other.search_kb(question, ADMIN)
                if result.keys:
                    break
                await asyncio.sleep(0.02)
            assert result.keys[:1] == ["vat-invoice-paper"]
            await other.close()
    finally:
        await other_engine.dispose()
        await redis.delete(*[key async for key in redis.scan_iter(f"{prefix}*")] or ["-"])
        await redis.aclose()
