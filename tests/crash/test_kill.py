"""Two `frontdoor serve` processes on PostgreSQL + Redis; one is killed (SIGKILL) mid-turn. WeChat's retry to the
other is answered (by customer-service message, its deadline spent waiting for the dead one's lease), one ticket
exists, and two messages of one user sent at the same moment are handled in the order they were written."""
from __future__ import annotations

import asyncio
import json
import time
from contextlib import AsyncExitStack

import aiohttp

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.crash.cluster import Serve, start
from tests.wechat.server import WeChatServer, new_msg_id, payload


async def started(stack: AsyncExitStack, env: dict[str, str], tmp_path, **delays: float) -> list[Serve]:
    """One process per name, started together, each slowed by its delay (s) per WeChat turn."""
    processes = [start(env, tmp_path / f"{name}.log", delay) for name, delay in delays.items()]
    for serve in processes:
        stack.push_async_callback(serve.close)
    await asyncio.gather(*(serve.ready() for serve in processes))
    return processes


async def tickets(env: dict[str, str]) -> list[str]:
    engine = create_async_engine(env["FRONTDOOR_STORAGE__URL"])
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text("SELECT number FROM tickets"))).scalars())
    finally:
        await engine.dispose()


async def history(redis, env: dict[str, str], openid: str) -> list[str]:
    raw = await redis.get(f"{env['FRONTDOOR_REDIS__KEY_PREFIX']}conv:wechat:{openid}")
    return [turn["user"] for turn in json.loads(raw)["history"]] if raw else []


async def test_retry_after_a_kill_mid_turn_is_answered_once(cluster_env, fake_api, tmp_path):
    async with AsyncExitStack() as stack:
        # the other is slow too: the retry, having waited out at least 3.2 s of the dead lease, is then late
        slow, other = await started(stack, cluster_env, tmp_path, slow=3.0, other=2.5)
        wechat, dying = WeChatServer(other), WeChatServer(slow)
        openid = "oCrash_kill9"
        await wechat.say(openid, "你好，我们公司专线断了", "safe")
        await wechat.say(openid, "电路编号是GZ-MSTP-000123", "safe")
        assert "确认" in await wechat.say(openid, "13800138000", "safe")
        confirm = payload("text.xml", openid, "确认", new_msg_id())
        first = asyncio.create_task(dying.post(confirm, "safe"))
        await asyncio.sleep(1.0)  # the slow process holds the message (its lease) and is inside the turn
        slow.kill()
        (lost,) = await asyncio.gather(first, return_exceptions=True)
        assert isinstance(lost, aiohttp.ClientError)  # it died without answering WeChat
        retry = await wechat.reply(await wechat.post(confirm, "safe"))  # WeChat's retry, landing on the other one
        sent = await fake_api.wait_custom(1, timeout_s=20)
        numbers = await tickets(cluster_env)
    assert retry is None  # its 5 s went on waiting for the dead lease: `success`, the answer follows
    assert len(numbers) == 1 and numbers[0] in sent[0]["text"]["content"]


async def test_two_messages_sent_together_are_handled_in_order(cluster_env, redis, tmp_path):
    async with AsyncExitStack() as stack:
        one, two = map(WeChatServer, await started(stack, cluster_env, tmp_path, one=0, two=0))
        openid = "oCrash_order"
        sent: list[str] = []
        for n in range(4):
            early, late = f"第{n}条：天河北路机房的专线不通", f"第{n}条补充：从早上九点开始的"
            early_id, late_id, created = new_msg_id(), new_msg_id(), int(time.time())  # same second, MsgIds apart
            # the later message leaves first (another process, another route), the earlier one a moment after
            later = asyncio.create_task(two.post(payload("text.xml", openid, late, late_id, created), "safe"))
            await asyncio.sleep(0.02)
            earlier = asyncio.create_task(one.post(payload("text.xml", openid, early, early_id, created), "safe"))
            for response in await asyncio.gather(later, earlier):
                assert response.status == 200
            sent += [early, late]
        handled = await history(redis, cluster_env, openid)
    assert [t for t in handled if t.startswith("第")] == sent
