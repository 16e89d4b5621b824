"""Hand-off through Engine.handle and the agent side, on the real local desk; the Redis bus on the real Redis."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, time, timedelta, timezone

import pytest
from redis.asyncio import Redis

from backend_client import SYSTEM, TicketKind
from bot.bus import RedisBus
from dialogue.agent_side import HandoffConflict, HandoffDesk
from dialogue.bus import EventKind, HandoffEvent, InProcessBus
from dialogue.engine import Engine
from dialogue.handoff import BusinessHours, ConfiguredAvailability, Handoff, HandoffSettings
from dialogue.store import InMemoryConversationStore
from dialogue.templates import Templates
from dialogue.types import InboundMessage, MessageKind, ReplyKind
from tests.fakes import KeywordInterpreter
from tests.support import require_redis

SATURDAY_NIGHT = datetime(2026, 12, 5, 15, 0, tzinfo=timezone.utc)   # 23:00 in Shanghai


class Clock:
    """A clock the test moves forward."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Rig:
    """An engine and the agent side sharing one store and one bus, with a movable clock."""

    def __init__(self, desk, settings: HandoffSettings = HandoffSettings(), available: bool = True):
        self.store = InMemoryConversationStore(ttl_s=3600)
        self.bus = InProcessBus()
        self.clock = Clock(datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc))
        templates = Templates.load()
        handoff = Handoff(self.bus, settings, ConfiguredAvailability(available), self.clock)
        self.engine = Engine(KeywordInterpreter(), self.store, desk, templates, handoff=handoff)
        self.agents = HandoffDesk(self.store, templates, self.bus)

    async def say(self, text: str, user: str = "u1") -> list[str]:
        replies = await self.engine.handle(InboundMessage("app", user, f"app:{user}", text))
        self.last = replies
        return [r.template for r in replies]

    async def state(self, user: str = "u1") -> dict:
        return await self.store.load(f"app:{user}")


async def drain(events) -> list[HandoffEvent]:
    """Every event already published to a subscription."""
    got = []
    while True:
        try:
            got.append(await asyncio.wait_for(anext(events), 0.05))
        except asyncio.TimeoutError:
            return got


async def test_asking_for_a_person_queues_the_chat_and_tells_the_agents_what_was_said(desk):
    rig = Rig(desk)
    async with rig.bus.subscribe() as events:
        await rig.say("你们这个查询怎么老是查不到东西")
        assert await rig.say("帮我转人工吧，机器人说不清楚") == ["handoff_queued"]
        assert rig.last[0].kind is ReplyKind.HANDOFF
        [requested] = await drain(events)
    assert requested.kind is EventKind.REQUESTED and requested.conversation_id == "app:u1"
    assert "查不到东西" in requested.text and "转人工" in requested.text
    assert requested.reason == "request_human" and requested.group == "gd-400"
    assert (await rig.state())["owner"] == "waiting_agent"


async def test_waiting_too_long_offers_a_callback_ticket_with_the_conversation(desk):
    rig = Rig(desk, HandoffSettings(waiting_timeout_s=120))
    await rig.say("线路的事情想找个人工客服聊聊 转人工")
    assert await rig.say("人呢？？") == ["handoff_waiting"]
    rig.clock.now += timedelta(seconds=121)
    async with rig.bus.subscribe() as events:
        assert await rig.say("等了好久了 还没有人吗") == ["handoff_timeout", "ask_callback_phone"]
        [abandoned] = await drain(events)
    assert abandoned.kind is EventKind.ABANDONED and abandoned.reason == "timeout"
    assert await rig.say("回我这个 13912345678") == ["callback_confirm"]
    assert "139****5678" in rig.last[0].text
    assert await rig.say("确认") == ["callback_opened"]
    ticket = await desk.get_ticket(rig.last[0].data["number"], SYSTEM)
    assert ticket.kind is TicketKind.CONSULTATION
    assert "线路的事情" in ticket.description and "还没有人" in ticket.description


async def test_out_of_hours_the_complaint_flows_person_button_gets_a_complaint_callback_at_once(desk):
    hours = BusinessHours(frozenset({1, 2, 3, 4, 5}), time(8, 30), time(17, 30))
    rig = Rig(desk, HandoffSettings(hours=hours))
    rig.clock.now = SATURDAY_NIGHT
    assert await rig.say("我要投诉你们的装维师傅，约好的时间人没来", user="demo-bound") == ["ask_complaint_whom"]
    person = next(b.payload for b in rig.last[0].buttons if b.title == "转人工")
    assert await rig.say(person, user="demo-bound") == ["handoff_closed", "callback_confirm"]
    assert "工作日 08:30-17:30" in rig.last[0].text
    assert "138****8001" in rig.last[1].text   # the bound contact's registered mobile
    assert await rig.say("确认", user="demo-bound") == ["callback_opened"]
    ticket = await desk.get_ticket(rig.last[0].data["number"], SYSTEM)
    assert ticket.kind is TicketKind.COMPLAINT and "装维师傅" in ticket.description
    assert (await rig.state("demo-bound"))["owner"] == "bot"


async def test_nobody_available_says_so_and_the_customer_may_decline_the_callback(desk):
    rig = Rig(desk, available=False)
    assert await rig.say("转人工") == ["handoff_busy", "ask_callback_phone"]
    assert await rig.say("取消") == ["cancelled"]
    assert (await desk.list_tickets(SYSTEM)).total == 0


async def test_an_app_guest_is_asked_to_sign_in_or_leave_a_number_not_queued_where_no_reply_can_reach(desk):
    rig = Rig(desk)
    guest = InboundMessage("app", "anonymous", "app:anonymous", "能不能转人工 找个真人帮我看看",
                           metadata={"verified": False})
    async with rig.bus.subscribe() as events:
        replies = await rig.engine.handle(guest)
        assert await drain(events) == []
    assert [r.template for r in replies] == ["handoff_needs_sign_in", "ask_callback_phone"]
    assert (await rig.state("anonymous"))["owner"] == "bot"


async def test_a_fault_report_runs_at_once_and_keeps_the_place_in_the_queue(desk):
    rig = Rig(desk)
    await rig.say("转人工")
    async with rig.bus.subscribe() as events:
        assert await rig.say("哎等不及了 我们宽带断了") == ["handoff_kept", "ask_location"]
        assert await rig.say("FS-ETN-0045678") == ["ask_contact_phone"]
        assert await rig.say("13800138000") == ["fault_confirm"]
        assert await rig.say("确认") == ["fault_ticket_opened"]
        assert await drain(events) == []
    assert (await rig.state())["owner"] == "waiting_agent"
    assert await rig.say("好的") == ["handoff_waiting"]


async def test_asking_for_something_else_leaves_the_queue(desk):
    rig = Rig(desk)
    await rig.say("转人工")
    async with rig.bus.subscribe() as events:
        assert await rig.say("那先帮我查查 GD209901010001 这张单") == ["handoff_left", "ticket_not_found"]
        [abandoned] = await drain(events)
    assert abandoned.kind is EventKind.ABANDONED and abandoned.reason == "left"
    assert (await rig.state())["owner"] == "bot"


async def test_an_agent_owns_the_chat_the_bot_is_silent_then_hand_back_resumes_it(desk):
    rig = Rig(desk)
    await rig.say("转人工")
    accepted = await rig.agents.accept("app:u1", "王丽")
    assert (accepted.channel, accepted.user_id) == ("app", "u1")
    assert "王丽" in accepted.replies[0].text
    async with rig.bus.subscribe() as events:
        assert await rig.say("你好 我们那条专线今天早上断过一次") == []
        [message] = await drain(events)
    assert message.kind is EventKind.MESSAGE and message.agent == "王丽" and "早上断过" in message.text
    said = await rig.agents.agent_message("app:u1", "好的，我帮您看一下线路记录")
    assert said.replies[0].text == "好的，我帮您看一下线路记录"
    async with rig.bus.subscribe() as events:
        back = await rig.agents.hand_back("app:u1", "客户线路已恢复，观察中")
        [handed_back] = await drain(events)
    assert handed_back.kind is EventKind.HANDED_BACK and handed_back.text == "客户线路已恢复，观察中"
    assert back.replies[0].template == "handoff_handed_back"
    history = (await rig.state())["history"]
    assert [t["user"] for t in history][-3:] == ["你好 我们那条专线今天早上断过一次", "", ""]
    assert history[-1]["note"] == "客户线路已恢复，观察中"
    assert "好的，我帮您看一下线路记录" in history[-2]["replies"]
    assert await rig.say("你好") == ["greet"]


async def test_agent_operations_refuse_conversations_not_theirs(desk):
    rig = Rig(desk)
    with pytest.raises(HandoffConflict):
        await rig.agents.agent_message("app:nobody", "在吗")
    await rig.say("转人工")
    with pytest.raises(HandoffConflict):
        await rig.agents.hand_back("app:u1", "")
    await rig.agents.accept("app:u1", "王丽")
    with pytest.raises(HandoffConflict):
        await rig.agents.accept("app:u1", "李强")
    closed = await rig.agents.close("app:u1")
    assert closed.replies[0].template == "handoff_ended"
    assert (await rig.state())["owner"] == "bot"


async def test_events_cross_processes_on_the_redis_bus():
    require_redis()
    prefix = f"fdtest:{uuid.uuid4().hex[:8]}:"
    publisher, listener = Redis.from_url("redis://127.0.0.1:6379/15"), Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        async with RedisBus(listener, prefix).subscribe() as events:
            sent = HandoffEvent(EventKind.REQUESTED, "wechat:o1", "wechat", "o1", text="专线断了，要找人工",
                                reason="complaint")
            await RedisBus(publisher, prefix).publish(sent)
            await publisher.publish(f"{prefix}handoff", "not json")
            await RedisBus(publisher, prefix).publish(HandoffEvent(EventKind.ABANDONED, "wechat:o1", "wechat", "o1"))
            received = [await asyncio.wait_for(anext(events), 5), await asyncio.wait_for(anext(events), 5)]
        assert received[0] == sent
        assert received[1].kind is EventKind.ABANDONED
    finally:
        await publisher.aclose()
        await listener.aclose()


async def test_a_silent_wait_is_checked_without_a_message_and_offered_a_callback_once(desk):
    rig = Rig(desk, HandoffSettings(waiting_timeout_s=120))
    assert await rig.say("麻烦转人工，宽带账单的事说不清") == ["handoff_queued"]
    waited = InboundMessage("app", "u1", "app:u1", kind=MessageKind.WAITED)
    assert await rig.engine.handle(waited) == []
    assert (await rig.state())["owner"] == "waiting_agent"
    rig.clock.now += timedelta(seconds=121)
    assert [r.template for r in await rig.engine.handle(waited)] == ["handoff_timeout", "ask_callback_phone"]
    assert (await rig.state())["owner"] == "bot"
    assert await rig.engine.handle(waited) == []   # told once: another process's check finds nothing to do
    assert await rig.say("13912345678") == ["callback_confirm"]
