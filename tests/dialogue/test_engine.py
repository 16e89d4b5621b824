"""The engine through its one entry point, with the real local desk on SQLite and a keyword interpreter."""
from __future__ import annotations

import pytest

from backend_client import SYSTEM, Actor, Reporter, TicketStatus
from dialogue.engine import Engine
from dialogue.store import InMemoryConversationStore
from dialogue.templates import Templates
from dialogue.types import InboundMessage, MessageKind, ReplyKind, TurnFailed
from servicedesk import database
from servicedesk.service import SqlServiceDesk
from tests.fakes import KeywordInterpreter
from tests.support import demo_policy

UNREACHABLE_DB = "postgresql+asyncpg://postgres@127.0.0.1:9/none"


@pytest.fixture
def store() -> InMemoryConversationStore:
    return InMemoryConversationStore(ttl_s=3600)


@pytest.fixture
def engine(desk, store) -> Engine:
    return Engine(KeywordInterpreter(), store, desk, Templates.load())


async def say(engine: Engine, text: str, user: str = "u1", channel: str = "app"):
    message = InboundMessage(channel=channel, user_id=user, conversation_id=f"{channel}:{user}", text=text)
    return await engine.handle(message)


def reporter_actor(user: str) -> Actor:
    return Actor.customer(Reporter("app", user), None)


def templates(replies) -> list[str]:
    return [r.template for r in replies]


async def test_fault_report_asks_for_each_missing_slot_then_opens_one_ticket(engine, desk):
    assert templates(await say(engine, "你好，我们公司专线断了")) == ["ask_location"]
    assert templates(await say(engine, "电路编号 GZ-MSTP-000123")) == ["ask_contact_phone"]
    confirm = await say(engine, "13800138000")
    assert templates(confirm) == ["fault_confirm"]
    assert "138****8000" in confirm[0].text and "GZ-MSTP-000123" in confirm[0].text
    opened = await say(engine, "确认")
    assert opened[0].kind is ReplyKind.TICKET
    number = opened[0].data["number"]
    assert number in opened[0].text
    ticket = await desk.get_ticket(number, SYSTEM)
    assert ticket.circuit_id == "GZ-MSTP-000123" and ticket.service_type == "专线"
    assert ticket.status is TicketStatus.ASSIGNED and ticket.assigned_group == "gd-gz"
    assert ticket.priority == "P1"  # unbound caller, but the circuit is the gold key account's: its priority
    assert (await desk.list_tickets(reporter_actor("u1"))).total == 1


async def test_several_slots_in_one_message_skip_their_questions(engine):
    replies = await say(engine, "宽带断网了，电路 FS-ETN-0045678，联系电话13900139002")
    assert templates(replies) == ["fault_confirm"]


async def test_invalid_answer_is_explained_and_asked_again(engine):
    await say(engine, "专线断了 GZ-MSTP-000123")
    replies = await say(engine, "12345")
    assert templates(replies) == ["invalid_phone", "ask_contact_phone"]


async def test_correction_while_confirming_updates_the_slot(engine):
    await say(engine, "专线断了 GZ-MSTP-000123 13800138000")
    replies = await say(engine, "电话改成13700137003")
    assert templates(replies) == ["fault_confirm"]
    assert "137****7003" in replies[0].text


async def test_deny_offers_slots_to_change_and_asks_the_chosen_one(engine):
    await say(engine, "专线断了 GZ-MSTP-000123 13800138000")
    change = await say(engine, "不对")
    assert templates(change) == ["form_what_to_change"]
    titles = [b.title for b in change[0].buttons]
    assert titles == ["业务类型", "电路编号或地址", "故障描述", "联系电话"]
    assert templates(await say(engine, str(titles.index("电路编号或地址") + 1))) == ["ask_location"]
    assert templates(await say(engine, "SZ-IPRAN-20231")) == ["fault_confirm"]


async def test_cancel_at_any_point_ends_the_flow_without_a_ticket(engine, desk):
    await say(engine, "专线断了")
    assert templates(await say(engine, "算了")) == ["cancelled"]
    assert templates(await say(engine, "确认")) == ["unsupported"]
    assert (await desk.list_tickets(reporter_actor("u1"))).total == 0


async def test_ticket_status_by_number_for_its_reporter_only(engine):
    await say(engine, "专线断了 GZ-MSTP-000123 13800138000")
    number = (await say(engine, "确认"))[0].data["number"]
    status = await say(engine, f"查一下工单 {number}")
    assert templates(status) == ["ticket_status"]
    assert "已派单" in status[0].text and "地市分公司" in status[0].text  # the circuit's account routes it
    assert templates(await say(engine, f"查工单 {number}", user="stranger")) == ["ticket_not_found"]


async def test_bound_contact_gets_the_latest_ticket_of_the_account(engine):
    await say(engine, "专线断了 GZ-MSTP-000123", user="demo-bound")
    confirm = await say(engine, "专线", user="demo-bound")
    assert "138****8001" in confirm[0].text  # the contact's registered mobile is prefilled
    number = (await say(engine, "确认", user="demo-bound"))[0].data["number"]
    status = await say(engine, "我的工单怎么样了", user="demo-bound")
    assert status[0].data["number"] == number
    assert status[0].data["priority"] == "P1"  # key account with the line down
    assert status[0].data["tier"] == "地市分公司"


async def test_ticket_status_without_any_ticket_asks_for_the_number(engine):
    assert templates(await say(engine, "查工单")) == ["ask_ticket_id"]
    assert templates(await say(engine, "GD209901010001")) == ["ticket_not_found"]


async def test_other_flow_intent_interrupts_an_unanswered_question(engine):
    await say(engine, "专线断了")
    assert templates(await say(engine, "查工单")) == ["ask_ticket_id"]


async def test_handoff_waits_for_an_agent_until_cancelled(engine):
    assert (await say(engine, "转人工"))[0].kind is ReplyKind.HANDOFF
    assert templates(await say(engine, "还要等多久")) == ["handoff_waiting"]
    assert templates(await say(engine, "取消")) == ["handoff_cancelled"]
    assert templates(await say(engine, "专线断了")) == ["ask_location"]


async def test_greet_and_fallback_offer_the_menu(engine):
    greet = await say(engine, "你好")
    assert [b.payload for b in greet[0].buttons] == ["/report_fault", "/query_ticket", "/request_human"]
    assert templates(await say(engine, "今天天气怎么样")) == ["fallback"]
    assert templates(await say(engine, "1")) == ["ask_service_type"]  # numbered choice of the menu


async def test_button_payload_fills_the_slot_it_names(engine):
    replies = await say(engine, "/report_fault")
    assert templates(replies) == ["ask_service_type"]
    assert any(b.payload == '/provide_info{"service_type": "云主机"}' for b in replies[0].buttons)
    assert templates(await say(engine, '/provide_info{"service_type": "云主机"}')) == ["ask_location"]


async def test_outdated_saved_state_is_reset_not_a_crash(engine, store):
    await store.save("app:u1", {"schema_version": 0, "whatever": True})
    assert templates(await say(engine, "你好")) == ["greet"]
    await store.save("app:u1", {"schema_version": 1, "id": "app:u1", "unexpected": 1})
    assert templates(await say(engine, "你好")) == ["greet"]


async def test_a_conversation_saved_with_a_retired_field_goes_on_where_it_was(engine, store):
    await say(engine, "专线断了")
    state = await store.load("app:u1")
    await store.save("app:u1", {**state, "binding_checked": True})
    assert templates(await say(engine, "电路编号 GZ-MSTP-000123")) == ["ask_contact_phone"]


async def test_unknown_flow_in_saved_state_is_dropped(engine, store):
    await say(engine, "专线断了")
    state = await store.load("app:u1")
    state["flow"]["name"] = "removed_flow"
    await store.save("app:u1", state)
    assert templates(await say(engine, "你好")) == ["greet"]


async def test_backend_outage_fails_the_turn_with_an_apology_and_saves_nothing(store):
    db = database.open_engine(UNREACHABLE_DB)
    engine = Engine(KeywordInterpreter(), store, SqlServiceDesk(db, demo_policy()), Templates.load())
    with pytest.raises(TurnFailed) as failure:
        await say(engine, "专线断了")
    await db.dispose()
    assert failure.value.reason == "backend_unavailable"
    assert failure.value.replies[0].template == "backend_unavailable"
    assert await store.load("app:u1") is None


async def test_a_bare_request_to_report_is_not_taken_as_the_description(engine):
    await say(engine, "专线故障 GZ-MSTP-000123")
    assert templates(await say(engine, "13800138000")) == ["ask_description"]
    assert templates(await say(engine, "从早上开始一直丢包")) == ["fault_confirm"]


async def test_urging_a_ticket_just_opened_is_recorded_for_the_city_team_not_escalated(engine, desk):
    await say(engine, "专线断了 GZ-MSTP-000123", user="demo-bound")
    await say(engine, "专线", user="demo-bound")
    number = (await say(engine, "确认", user="demo-bound"))[0].data["number"]
    urged = await say(engine, "都两天了怎么还没修好，快点", user="demo-bound")
    assert templates(urged) == ["ticket_urge_noted"] and urged[0].data["tier"] == "地市分公司"
    assert "第 1 次" in urged[0].text and "前响应" in urged[0].text  # the next deadline, not a promise of escalation
    assert (await desk.get_ticket(number, SYSTEM)).assigned_group == "gd-gz"


async def test_pictures_and_locations_are_kept_with_the_conversation_and_acknowledged(engine, store):
    await say(engine, "专线断了")
    picture = InboundMessage(channel="wechat", user_id="u1", conversation_id="app:u1", kind=MessageKind.IMAGE,
                             metadata={"media_id": "m-1", "pic_url": "http://mmbiz.qpic.cn/x"})
    replies = await engine.handle(picture)
    assert templates(replies) == ["attachment_image"]
    state = await store.load("app:u1")
    assert state["attachments"][0]["media_id"] == "m-1" and state["attachments"][0]["kind"] == "image"
    assert state["flow"]["name"] == "fault_report"  # the fault report goes on after the picture
    assert templates(await say(engine, "GZ-MSTP-000123")) == ["ask_contact_phone"]
