"""Account binding and the binding offer, through the engine with the real local desk and a keyword interpreter."""
from __future__ import annotations

import pytest

from bot.conversation_tests import CapturedSms
from dialogue.engine import Engine
from dialogue.store import InMemoryConversationStore
from dialogue.templates import Templates
from dialogue.types import InboundMessage
from nlu.payload import parse_payload
from tests.conftest import seeded_desk
from tests.fakes import KeywordInterpreter


@pytest.fixture
def sms() -> CapturedSms:
    return CapturedSms()


@pytest.fixture
async def bind_desk(sqlite_url, sms):
    async with seeded_desk(sqlite_url, otp_sender=sms) as local:
        yield local


@pytest.fixture
def engine(bind_desk) -> Engine:
    return Engine(KeywordInterpreter(), InMemoryConversationStore(ttl_s=3600), bind_desk, Templates.load())


async def say(engine: Engine, text: str, user: str = "o1", channel: str = "wechat"):
    message = InboundMessage(channel=channel, user_id=user, conversation_id=f"{channel}:{user}", text=text)
    return await engine.handle(message)


def templates(replies) -> list[str]:
    return [r.template for r in replies]


async def test_binding_sends_a_code_to_the_registered_mobile_and_binds_on_it(engine, bind_desk, sms):
    assert templates(await say(engine, "/bind_account")) == ["ask_customer_code"]
    assert templates(await say(engine, "kh44010001")) == ["ask_bind_mobile"]
    asked = await say(engine, "13800138001")
    assert templates(asked) == ["ask_bind_code"] and "138****8001" in asked[0].text
    assert sms.code()
    done = await say(engine, f"验证码 {sms.code()}")
    assert templates(done) == ["bind_done"] and "广州珠江智造科技有限公司" in done[0].text
    binding = await bind_desk.find_binding("wechat", "o1")
    assert binding is not None and binding.customer_code == "KH44010001"
    assert templates(await say(engine, "/subscribe")) == ["subscribe_bound"]


async def test_an_unknown_account_is_said_and_asked_again_without_sending_a_code(engine, sms):
    await say(engine, "/bind_account")
    await say(engine, "KH44010001")
    assert templates(await say(engine, "13900139002")) == ["bind_no_match", "ask_customer_code"]
    assert sms.last_text == ""


async def test_wrong_codes_are_asked_again_then_the_flow_gives_up_unbound(engine, bind_desk):
    await say(engine, "/bind_account")
    await say(engine, "KH44060002")
    await say(engine, "13900139002")
    assert templates(await say(engine, "12345")) == ["invalid_bind_code", "ask_bind_code_again"]
    assert templates(await say(engine, "000000")) == ["bind_code_wrong"]
    assert templates(await say(engine, "000001")) == ["bind_code_wrong"]
    assert templates(await say(engine, "000002")) == ["bind_code_gave_up"]
    assert await bind_desk.find_binding("wechat", "o1") is None
    assert templates(await say(engine, "000003")) != ["bind_done"]


async def test_unbound_wechat_request_is_offered_binding_and_can_go_on_with_its_entities(engine):
    offer = await say(engine, "查工单 GD209901010001")
    assert templates(offer) == ["bind_offer"]
    go_on = parse_payload(offer[0].buttons[-1].payload)
    assert go_on.intent == "query_ticket" and go_on.first("ticket_id") == "GD209901010001"
    assert templates(await say(engine, "2")) == ["ticket_not_found"]


async def test_other_channels_and_bound_users_are_not_offered_binding(engine, bind_desk, sms):
    assert templates(await say(engine, "专线断了", user="a1", channel="app")) == ["ask_location"]
    await bind_desk.start_verification("wechat", "o2", "KH44010001", "13800138001")
    await bind_desk.confirm_verification("wechat", "o2", sms.code())
    assert templates(await say(engine, "专线断了", user="o2")) == ["ask_location"]


async def test_subscribe_welcomes_an_unbound_follower_with_the_binding_button(engine):
    welcome = await say(engine, "/subscribe")
    assert templates(welcome) == ["subscribe"]
    assert welcome[0].buttons[0].payload == "/bind_account"
