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


def shown(messages: list[dict]) -> str:
    """What the customer read in these customer-service messages (texts, menu heads and items)."""
    parts = []
    for message in messages:
        menu = message.get("msgmenu", {})
        parts += [message.get("text", {}).get("content", ""), menu.get("head_content", "")]
        parts += [item["content"] for item in menu.get("list", [])]
    return "\n".join(parts)


async def history(redis, env: dict[str, str], openid: str) -> list[str]:
    raw = await redis.get(f"{env['FRONTDOOR_REDIS__KEY_PREFIX']}conv:wechat:{openid}")
    return [turn["user"] for turn in json.loads(raw)["history"]] if raw else []


async def test_retry_after_a_kill_mid_turn_is_answered_once(cluster_env, fake_api, tmp_path):
    env = {**cluster_env, "FRONTDOOR_CHANNELS__WECHAT__DEADLINE_S": "2"}  # and so a 2 s lease
    async with AsyncExitStack() as stack:
        # every turn of the other process outlasts the deadline: its answers go as customer-service messages
        slow, other = await started(stack, env, tmp_path, slow=1.5, other=2.1)
        wechat, dying = WeChatServer(other), WeChatServer(slow)
        openid = "oCrash_kill9"
        for said in ["我们公司的专线断了，一直连不上", "电路编号是GZ-MSTP-000123", "13800138000"]:
            assert await wechat.say(openid, said, "safe") is None
            await fake_api.wait_custom(len(fake_api.custom) + 1, timeout_s=20)
        await asyncio.sleep(0.3)  # the rest of the confirmation (its menu) follows the first piece
        assert "确认提交" in shown(fake_api.custom), shown(fake_api.custom)
        before = len(fake_api.custom)
        confirm = payload("text.xml", openid, "确认", new_msg_id())
        first = asyncio.create_task(dying.post(confirm, "safe"))
        await asyncio.sleep(0.5)  # the slow process holds the message (its lease) and is inside the turn
        slow.kill()
        (lost,) = await asyncio.gather(first, return_exceptions=True)
        assert isinstance(lost, aiohttp.ClientError)  # it died without answering WeChat
        retry = await wechat.reply(await wechat.post(confirm, "safe"))  # WeChat's retry, landing on the other one
        await fake_api.wait_custom(before + 1, timeout_s=20)
        await asyncio.sleep(0.3)
        numbers = await tickets(env)
    assert retry is None  # `success` once the dead lease ran out; the answer follows as a message
    assert len(numbers) == 1 and numbers[0] in shown(fake_api.custom[before:])


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
