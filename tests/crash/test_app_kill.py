"""The app channel across a `kill -9`: two `frontdoor serve` processes share PostgreSQL and Redis; the one holding
a customer's turn dies while it confirms a fault report. The app retries on the other process: the conversation
goes on there, and exactly one ticket exists whatever the dead process had done before it died."""
from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from channels.app.auth import mint
from tests.crash.test_kill import started, tickets

SECRET = "crash-tests-app-jwt-secret-0123456789abcdef"


async def say(serve, user: str, text: str) -> str:
    headers = {"Authorization": f"Bearer {mint(SECRET, user, 'frontdoor', 600)}"}
    async with serve.post("/webhooks/rest/webhook", json={"sender": user, "message": text}, headers=headers) as r:
        assert r.status == 200, await r.text()
        return " ".join(item.get("text", "") for item in await r.json())


async def test_the_app_conversation_goes_on_after_its_process_is_killed_mid_confirmation(cluster_env, tmp_path):
    env = {**cluster_env, "FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET": SECRET}
    user = "crash-app-user"
    async with AsyncExitStack() as stack:
        dying, other = await started(stack, env, tmp_path, dying=0, other=0)
        await say(dying, user, "你好，我们单位的宽带从中午开始就断了，麻烦处理一下")
        await say(dying, user, "地址是佛山市南海区桂城街道南海大道18号")
        confirm = await say(dying, user, "13900139002")
        assert "确认" in confirm, confirm
        lost = asyncio.create_task(say(dying, user, "确认"))
        await asyncio.sleep(0.05)   # the turn is under way (or just done) when the process dies
        dying.kill()
        await asyncio.gather(lost, return_exceptions=True)
        retried = await say(other, user, "确认")         # the app's retry reaches the other process
        status = await say(other, user, "我刚才报的故障工单现在什么情况")
        numbers = await tickets(env)
    assert len(numbers) == 1, numbers                   # never two tickets for one report
    assert numbers[0] in retried + status, (retried, status)
