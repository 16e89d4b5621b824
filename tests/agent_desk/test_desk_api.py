"""The agent desk's API over loopback: sign-in, CSRF, queue by group, atomic take, replies through the app
channel, hand-back, transfer, escalation, stale actions."""
from __future__ import annotations

import asyncio

from tests.agent_desk.conftest import conversation_of


async def test_wrong_password_and_too_many_tries_are_refused(agent):
    desk = await agent()
    assert await desk.login("agent400", "not-my-password-1") == 401
    assert await desk.login("nobody-here", "whatever-it-is-2") == 401
    for _ in range(5):
        await desk.login("agent400", "still-wrong-pass-3")
    assert await desk.login("agent400") == 429  # even the right password waits out the window


async def test_every_desk_call_needs_a_session_and_writes_need_the_csrf_token(agent, customer):
    anonymous = await agent()
    assert (await anonymous.get("/agent/api/queue"))[0] == 401
    alice = customer("user-csrf")
    await alice.say("我要转人工")
    desk = await agent("agent400")
    status, _ = await desk.post(f"/agent/api/conversations/{conversation_of('user-csrf')}/take", csrf=False)
    assert status == 403
    status, body = await desk.post(f"/agent/api/conversations/{conversation_of('user-csrf')}/take")
    assert status == 200 and body["ok"]


async def test_a_customer_asking_for_a_person_is_taken_answered_and_handed_back(agent, customer):
    mei = customer("mei-app-001")
    queued = await mei.say("你们这机器人听不懂，麻烦帮我找个真人客服")
    assert any("人工" in item["text"] for item in queued)
    desk = await agent("agent400")
    status, queue = await desk.get("/agent/api/queue")
    assert status == 200
    entry = next(e for e in queue["entries"] if e["conversation_id"] == conversation_of("mei-app-001"))
    assert entry["state"] == "waiting" and entry["channel"] == "app"
    cid = entry["conversation_id"]
    assert (await desk.post(f"/agent/api/conversations/{cid}/take"))[0] == 200
    silent = await mei.say("你好，在吗？我们的专线下午一直掉线")
    assert silent == []  # the bot stays silent while an agent owns the conversation
    _, view = await desk.get(f"/agent/api/conversations/{cid}")
    assert any("专线下午一直掉线" in turn["user"] for turn in view["conversation"]["history"])
    status, sent = await desk.post(f"/agent/api/conversations/{cid}/reply", {"text": "您好，我是客服小李，正在为您查看线路。"})
    assert status == 200 and sent["delivered"] is True
    assert "您好，我是客服小李，正在为您查看线路。" in await mei.pushed()
    assert (await desk.post(f"/agent/api/conversations/{cid}/handback", {"note": "已远程复位，客户确认恢复"}))[0] == 200
    back = await mei.say("查一下我的工单")
    assert back, "the bot answers again after the hand-back"
    _, queue = await desk.get("/agent/api/queue")
    assert cid not in [e["conversation_id"] for e in queue["entries"]]


async def test_two_agents_clicking_take_at_once_one_wins_and_the_other_is_told_who(agent, customer):
    await customer("race-user").say("转人工")
    first, second = await agent("agent400"), await agent("lead400")
    cid = conversation_of("race-user")
    results = await asyncio.gather(first.post(f"/agent/api/conversations/{cid}/take"),
                                   second.post(f"/agent/api/conversations/{cid}/take"))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409]
    loser = next(body for status, body in results if status == 409)
    winner = "agent400" if results[0][0] == 200 else "lead400"
    assert winner in loser["detail"]
    stale = first if winner == "lead400" else second
    status, body = await stale.post(f"/agent/api/conversations/{cid}/reply", {"text": "我来吧"})
    assert status == 409 and "未执行" in body["detail"]


async def test_a_county_agent_never_sees_another_countys_conversation(agent, customer):
    await customer("foshan-user").say("帮我转人工客服")
    cid = conversation_of("foshan-user")
    front = await agent("agent400")
    assert (await front.post(f"/agent/api/conversations/{cid}/transfer", {"group": "gd-fs-nanhai"}))[0] == 200
    tianhe, nanhai = await agent("tianhe"), await agent("nanhai")
    assert cid not in [e["conversation_id"] for e in (await tianhe.get("/agent/api/queue"))[1]["entries"]]
    assert (await tianhe.get(f"/agent/api/conversations/{cid}"))[0] == 404
    assert (await tianhe.post(f"/agent/api/conversations/{cid}/take"))[0] == 404
    assert cid in [e["conversation_id"] for e in (await nanhai.get("/agent/api/queue"))[1]["entries"]]
    status, body = await nanhai.post(f"/agent/api/conversations/{cid}/escalate", {"note": "区县处理不了"})
    assert status == 200 and body["group"] == "gd-fs"
    assert (await nanhai.get(f"/agent/api/conversations/{cid}"))[0] == 404  # moved up, out of the county's queue


async def test_private_notes_never_reach_the_customer(agent, customer):
    zhao = customer("notes-user")
    queued = await zhao.say("装维师傅迟到了两个小时，电话也不接，我要找人工客服说清楚")
    assert any("人工" in item["text"] for item in queued), queued
    desk = await agent("agent400")
    cid = conversation_of("notes-user")
    await desk.post(f"/agent/api/conversations/{cid}/take")
    assert (await desk.post(f"/agent/api/conversations/{cid}/note", {"text": "客户情绪激动，注意安抚"}))[0] == 200
    _, view = await desk.get(f"/agent/api/conversations/{cid}")
    assert [n["text"] for n in view["notes"]] == ["客户情绪激动，注意安抚"]
    assert all("安抚" not in text for text in await zhao.pushed())


async def test_hostile_text_is_stored_as_written_and_bad_bodies_are_400(agent, customer):
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    await customer("xss-user").say(f"转人工 {payload}")
    desk = await agent("agent400")
    cid = conversation_of("xss-user")
    _, view = await desk.get(f"/agent/api/conversations/{cid}")
    assert any(payload in turn["user"] for turn in view["conversation"]["history"])
    await desk.post(f"/agent/api/conversations/{cid}/take")
    assert (await desk.post(f"/agent/api/conversations/{cid}/reply", {"text": ""}))[0] == 400
    assert (await desk.post(f"/agent/api/conversations/{cid}/reply", {"text": "x" * 5000}))[0] == 400
    assert (await desk.post(f"/agent/api/conversations/{cid}/transfer", {"group": "no-such-group"}))[0] == 400
    assert (await desk.get("/agent/api/conversations/..%2F..%2Fetc"))[0] == 404


async def test_auto_assignment_takes_turns_among_online_agents_with_room(aiohttp_server, desk_config, agent, customer):
    from backend_client import AgentAccount
    from bot.app import create_app
    from bot.keys import COMPONENTS
    from tests.agent_desk.conftest import PASSWORD, AgentClient, AppCustomer, base_url
    from aiohttp import ClientSession, CookieJar

    app = create_app(desk_config(FRONTDOOR_CHANNELS__AGENT_DESK__AUTO_ASSIGN="true"))
    server = await aiohttp_server(app)
    for login in ("rr-a", "rr-b"):
        await app[COMPONENTS].desk.add_agent(AgentAccount(login, login, "gd-400", capacity=1), PASSWORD)
    base = base_url(server)
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as one, \
            ClientSession(cookie_jar=CookieJar(unsafe=True)) as two, ClientSession() as people:
        first, second = AgentClient(one, base), AgentClient(two, base)
        assert await first.login("rr-a") == 302 and await second.login("rr-b") == 302
        owners, answers = [], []
        for user in ("rr-user-1", "rr-user-2", "rr-user-3"):
            answers.append(" ".join(r["text"] for r in await AppCustomer(people, base, user).say("请帮我转人工")))
            await asyncio.sleep(0.3)
            entry = await app[COMPONENTS].board.get(f"app:{user}")
            owners.append(entry.agent if entry and entry.state == "agent" else "")
    assert sorted(owners[:2]) == ["rr-a", "rr-b"]   # one each
    assert owners[2] == "" and "忙" in answers[2]     # both at capacity: nobody is free, a callback is offered


async def test_the_agent_sees_what_a_bound_contact_said_on_their_other_channel(server, agent, customer):
    from bot.keys import COMPONENTS
    from dialogue.types import InboundMessage

    app = server.app
    desk = app[COMPONENTS].desk
    # demo-bound (app) is a verified contact; the same contact writes on WeChat too (bound through the desk)
    contact = (await desk.find_binding("app", "demo-bound")).contact_id
    from servicedesk.models import ChannelIdentity
    from datetime import datetime, timezone
    async with desk._tx() as session:
        session.add(ChannelIdentity(channel="wechat", user_id="o-same-contact", contact_id=contact,
                                    verified_at=datetime.now(timezone.utc)))
    await desk._binding_cache.changed()
    engine = app[COMPONENTS].engine
    await engine.handle(InboundMessage("wechat", "o-same-contact", "wechat:o-same-contact", "昨天报的专线故障还没人联系我"))
    await customer("demo-bound").say("我要转人工，微信上说过了没人理")
    desk_page = await agent("agent400")
    _, view = await desk_page.get("/agent/api/conversations/app:demo-bound")
    assert any(t["channel"] == "wechat" and "还没人联系我" in t["user"] for t in view["elsewhere"])
