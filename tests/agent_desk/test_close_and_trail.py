"""Closing with the satisfaction survey (the linked ticket's, else kept on the conversation) and every desk action
in the history of the tickets linked to the conversation."""
from __future__ import annotations

from backend_client import Actor, Reporter, Role
from bot.keys import COMPONENTS
from tests.agent_desk.conftest import conversation_of

STAFF = Actor(Role.AGENT, "auditor", "cli")


async def test_closing_a_chat_without_a_ticket_asks_for_a_rating_kept_on_the_conversation(server, agent, customer):
    wu = customer("close-no-ticket")
    await wu.say("我们公司宽带的发票抬头怎么改？机器人说不清楚，找个人工")
    cid = conversation_of("close-no-ticket")
    desk = await agent("agent400")
    assert (await desk.post(f"/agent/api/conversations/{cid}/take"))[0] == 200
    await desk.post(f"/agent/api/conversations/{cid}/reply", {"text": "发票抬头可以在营业厅或者客户经理处变更。"})
    status, closed = await desk.post(f"/agent/api/conversations/{cid}/close")
    assert status == 200 and closed["survey"] == "conversation" and closed["delivered"] is True
    assert any("请为本次服务打分" in text for text in await wu.pushed())
    thanks = await wu.say("5")
    assert any("本次人工服务" in item["text"] and "5" in item["text"] for item in thanks)
    saved = await server.app[COMPONENTS].store.load(cid)
    assert saved["rating"]["score"] == 5 and saved["rating"]["agent"] == "agent400"
    again = await wu.say("5")
    assert not any("本次人工服务" in item.get("text", "") for item in again)  # rated once


async def test_desk_actions_land_on_the_linked_ticket_and_its_survey_takes_the_rating(server, agent, customer):
    chen = customer("close-with-ticket")
    await chen.say("我想跟人工客服谈谈专线提速和续约的事，机器人说不明白")
    cid = conversation_of("close-with-ticket")
    desk = await agent("agent400")
    await desk.post(f"/agent/api/conversations/{cid}/take")
    status, opened = await desk.post(f"/agent/api/conversations/{cid}/ticket",
                                     {"summary": "专线中断，客户业务全停", "kind": "incident", "urgency": "high"})
    assert status == 200
    number = opened["number"]
    await desk.post(f"/agent/api/conversations/{cid}/note", {"text": "客户很着急，已电话联系装维"})
    await desk.post(f"/agent/api/conversations/{cid}/transfer", {"group": "gd-400", "note": "换班交接"})
    lead = await agent("lead400")
    assert (await lead.post(f"/agent/api/conversations/{cid}/take"))[0] == 200
    status, closed = await lead.post(f"/agent/api/conversations/{cid}/close")
    assert status == 200 and closed["survey"] == number
    assert any("请为本次服务打分" in text for text in await chen.pushed())
    rated = await chen.say('/rate_service{"rating": "4"}')   # the survey's "4分 满意" button
    assert any(number in item["text"] for item in rated)
    backend = server.app[COMPONENTS].desk
    events = await backend.ticket_events(number, STAFF)
    kinds = [e.kind for e in events]
    desk_kinds = [k for k in kinds if k.startswith("desk_")]
    assert desk_kinds == ["desk_note", "desk_transferred", "desk_taken", "desk_closed"]
    by_kind = {e.kind: e for e in events}
    assert by_kind["desk_note"].actor == "agent400" and by_kind["desk_note"].detail["text"] == "客户很着急，已电话联系装维"
    assert by_kind["desk_taken"].actor == "lead400"
    assert by_kind["survey_answered"].detail["score"] == 4
    customer_view = await backend.ticket_events(number, Actor.customer(Reporter("app", "close-with-ticket"), None))
    assert not [e for e in customer_view if e.kind.startswith("desk_")]  # the private note stays private


async def test_a_ticket_from_another_conversation_gets_no_desk_events(server, agent, customer):
    await customer("trail-other").say("帮我转人工")
    cid = conversation_of("trail-other")
    desk = await agent("agent400")
    await desk.post(f"/agent/api/conversations/{cid}/take")
    _, opened = await desk.post(f"/agent/api/conversations/{cid}/ticket", {"summary": "咨询账单", "kind": "consultation"})
    stranger = await agent("lead400")
    await customer("trail-stranger").say("人工客服在吗")
    other = conversation_of("trail-stranger")
    await stranger.post(f"/agent/api/conversations/{other}/take")
    await stranger.post(f"/agent/api/conversations/{other}/handback", {"note": "已解答"})
    kinds = [e.kind for e in await server.app[COMPONENTS].desk.ticket_events(opened["number"], STAFF)]
    assert "desk_handed_back" not in kinds
