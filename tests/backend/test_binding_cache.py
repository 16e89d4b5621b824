"""Bindings from memory: no database round trip for who is (not) bound; a rebind or unbind seen at once by every process."""
from __future__ import annotations

import re
import uuid

from redis.asyncio import Redis
from sqlalchemy import event

from servicedesk import database
from servicedesk.service import SqlServiceDesk
from servicedesk.stamps import RedisStamps
from tests.conftest import seeded_desk
from tests.support import demo_policy, require_redis


class Sms:
    """Keeps the last code texted (the real sender is the SMS gateway)."""

    code = ""

    async def send(self, mobile: str, text: str) -> None:
        self.code = re.search(r"\d{6}", text).group(0)


def count_statements(desk: SqlServiceDesk) -> list[str]:
    statements: list[str] = []
    event.listen(desk._engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    return statements


async def bind(desk: SqlServiceDesk, sms: Sms, user_id: str, customer_code: str, mobile: str) -> str:
    assert await desk.start_verification("wechat", user_id, customer_code, mobile)
    binding = await desk.confirm_verification("wechat", user_id, sms.code)
    return binding.contact_name


async def test_unbound_and_known_senders_cost_no_database_round_trip(sqlite_url):
    async with seeded_desk(sqlite_url) as desk:
        assert (await desk.find_binding("app", "demo-bound")).customer_code == "KH44010001"
        statements = count_statements(desk)
        assert await desk.find_binding("wechat", "o-stranger-who-just-followed") is None
        assert (await desk.find_binding("app", "demo-bound")).contact_name == "李工"
        assert statements == []


async def test_a_rebind_in_one_process_is_seen_at_once_by_another(sqlite_url):
    require_redis()
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"test-stamps-{uuid.uuid4().hex[:8]}:"
    sms = Sms()
    other_engine = database.open_engine(sqlite_url)
    try:
        async with seeded_desk(sqlite_url, otp_sender=sms, stamps=RedisStamps(redis, prefix)) as desk:
            other = SqlServiceDesk(other_engine, demo_policy(), stamps=RedisStamps(redis, prefix))
            assert await other.find_binding("wechat", "o-teacher") is None
            assert await bind(desk, sms, "o-teacher", "KH44060002", "13900139002") == "王老师"
            assert (await other.find_binding("wechat", "o-teacher")).customer_code == "KH44060002"
            assert await bind(desk, sms, "o-teacher", "KH44190003", "13700137003") == "张科长"
            rebound = await other.find_binding("wechat", "o-teacher")
            assert rebound.customer_code == "KH44190003" and rebound.contact_name == "张科长"
            assert (await desk.unbind("wechat", "o-teacher")).contact_name == "张科长"
            assert await other.find_binding("wechat", "o-teacher") is None
            assert await other.unbind("wechat", "o-teacher") is None
    finally:
        await other_engine.dispose()
        await redis.delete(*[key async for key in redis.scan_iter(f"{prefix}*")] or ["-"])
        await redis.aclose()
