"""The end of a call: the ticket number by SMS (Twilio Messaging faked at its HTTP boundary), the 1-5 survey."""
from __future__ import annotations

import re

import pytest

from backend_client import SYSTEM, TicketStatus
from bot.app import create_app
from bot.keys import COMPONENTS
from tests import fake_twilio
from tests.voice.phone import Phone

REPORTER = "+8613700137003"


@pytest.fixture
async def twilio(aiohttp_server):
    return await fake_twilio.start(aiohttp_server)


@pytest.fixture
async def sms_client(aiohttp_client, voice_config, twilio):
    return await aiohttp_client(create_app(voice_config(
        FRONTDOOR_CHANNELS__VOICE__ACCOUNT_SID=fake_twilio.ACCOUNT_SID,
        FRONTDOOR_CHANNELS__VOICE__SMS_FROM=fake_twilio.FROM,
        FRONTDOOR_CHANNELS__VOICE__API_BASE_URL=twilio.url)))


async def report_fault(call) -> tuple[str, object]:
    """A broadband fault by speech and keys, confirmed; the ticket number as read and what the caller heard."""
    await call.dial()
    await call.say("喂 你好 我们公司的宽带断了")
    heard = await call.say("佛山市南海区桂城街道南海大道18号")
    for _ in range(4):
        if "读一遍" in heard.text:
            break
        heard = await (call.press(call.caller[3:] + "#") if heard.gather.get("finishOnKey") == "#"
                       else call.say("完全上不了网"))
    opened = await call.press(re.search(r"确认提交请按(\d)", heard.text).group(1))
    spoken = re.search(r"G D((?: \d){12})", opened.text)
    assert spoken is not None, opened.text
    return "GD" + spoken.group(1).replace(" ", ""), opened


async def test_the_ticket_number_goes_by_sms_when_the_caller_presses_1(sms_client, twilio):
    call = Phone(sms_client, caller=REPORTER)
    number, opened = await report_fault(call)
    assert "短信" in opened.text and "请按1" in opened.text and opened.gather is not None
    sent = await call.press("1")
    assert "短信" in sent.text and sent.gather is not None, sent.text
    message = twilio.messages[-1]
    assert message["To"] == REPORTER and message["From"] == fake_twilio.FROM
    assert number in message["Body"]
    done = await call.say("没有了 谢谢 再见")
    assert done.next_step == "hangup" and "评" not in done.text   # nothing resolved yet: no survey


async def test_declining_the_sms_sends_nothing_and_the_call_goes_on(sms_client, twilio):
    call = Phone(sms_client, caller=REPORTER)
    await report_fault(call)
    declined = await call.press("2")
    assert twilio.messages == [] and declined.gather is not None and "还有" in declined.text


async def test_without_a_messaging_account_no_sms_is_offered(phone):
    number, opened = await report_fault(phone(caller=REPORTER))
    assert "短信" not in opened.text and number.startswith("GD")


async def test_a_caller_with_a_resolved_ticket_rates_it_by_keypad_before_hanging_up(client, phone):
    number, _ = await report_fault(phone(caller=REPORTER))
    desk = client.app[COMPONENTS].desk
    await desk.transition(number, TicketStatus.RESOLVED, SYSTEM, note="光猫重启后恢复")
    call = phone(caller=REPORTER)
    await call.dial()
    asked = await call.say("好的 没别的事了 再见")
    assert asked.next_step == "gather" and "请按5" in asked.text, asked.text
    assert asked.gather.get("numDigits") == "1"
    thanked = await call.press("4")
    assert thanked.next_step == "hangup" and "4" in thanked.text, thanked.text
    events = await desk.ticket_events(number, SYSTEM)
    assert any(e.kind == "survey_answered" for e in events), [e.kind for e in events]


async def test_a_caller_who_keys_nonsense_at_the_survey_is_asked_once_more_then_let_go(client, phone):
    number, _ = await report_fault(phone(caller=REPORTER))
    await client.app[COMPONENTS].desk.transition(number, TicketStatus.RESOLVED, SYSTEM, note="已修复")
    call = phone(caller=REPORTER)
    await call.dial()
    await call.say("行了 就这样吧 拜拜")
    again = await call.press("8")
    assert again.gather is not None and "1到5" in again.text
    gone = await call.silence()
    assert gone.next_step == "hangup"
    events = await client.app[COMPONENTS].desk.ticket_events(number, SYSTEM)
    assert not any(e.kind == "survey_answered" for e in events)


async def test_a_caller_helped_by_an_answer_rates_the_call_and_the_rating_is_kept(client, phone):
    call = phone(caller="+8613912345678")
    await call.dial()
    heard = await call.say("我们公司的宽带怎么修改登录密码")
    choice = re.search(r"宽带[^，。]*密码[^，。]*请按(\d)", heard.text)
    if choice:   # suggestions first: the caller picks the broadband one
        heard = await call.press(choice.group(1))
    solved = await call.press(re.search(r"解决了请按(\d)", heard.text).group(1))
    assert solved.gather is not None, solved.text
    asked = await call.say("好的 没有别的问题了 再见")
    assert "请按5" in asked.text and asked.next_step == "gather", asked.text
    thanked = await call.press("5")
    assert thanked.next_step == "hangup" and "评价" in thanked.text
    saved = await client.app[COMPONENTS].store.load(f"voice:{call.call_sid}")
    assert any(turn["intent"] == "rate_service" and "5" in turn["user"] for turn in saved["history"]), saved["history"]


async def test_an_unhappy_rating_gets_an_apology_and_the_call_ends(client, phone):
    number, _ = await report_fault(phone(caller=REPORTER))
    await client.app[COMPONENTS].desk.transition(number, TicketStatus.RESOLVED, SYSTEM, note="已修复")
    call = phone(caller=REPORTER)
    await call.dial()
    await call.say("没什么事了 挂了啊")
    sorry = await call.press("1")
    assert sorry.next_step == "hangup" and "没能让您满意" in sorry.text and "请按" not in sorry.text, sorry.text
