"""Asking for a person on the hotline: queued with the call's summary, or, with nobody there, a callback by voice."""
from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from backend_client import SYSTEM, TicketKind
from bot.app import create_app
from bot.config_handoff import HandoffHoursConfig
from bot.keys import COMPONENTS
from tests.voice.phone import Phone


async def test_a_transfer_enqueues_with_the_conversation_and_what_the_caller_said(phone, client):
    call = phone(caller="+8613911112222")
    await call.dial()
    await call.say("我们那边的专线好像有点问题 网速特别慢")
    heard = await call.say("别跟我绕了 我要找人工客服")
    enqueue = heard.verb("Enqueue")
    assert enqueue is not None and heard.gather is None, heard.text
    task = json.loads(enqueue.find("Task").text)
    assert task["conversation_id"] == f"voice:{call.call_sid}"
    assert "网速特别慢" in task["summary"] and "+86" not in task["summary"]
    board = client.app[COMPONENTS].board
    entry = await board.get(f"voice:{call.call_sid}")   # the agent desk shows the waiting call
    assert entry is not None and entry.channel == "voice"


async def test_with_nobody_available_the_caller_hears_why_and_keys_a_callback_number(aiohttp_client, voice_config):
    client = await aiohttp_client(create_app(voice_config(FRONTDOOR_HANDOFF__AGENTS_AVAILABLE="false")))
    call = Phone(client, caller="+8613911112222")
    await call.dial()
    busy = await call.say("帮我转人工")
    assert busy.verb("Enqueue") is None and busy.verb("Dial") is None
    assert "忙" in busy.text and "回电" in busy.text and busy.gather.get("finishOnKey") == "#", busy.text
    heard = await call.press("13911112222#")
    for _ in range(2):
        if "工单号" in heard.text:
            break
        heard = await call.press("1")   # 登记回电
    spoken = re.search(r"工单号\s*G D((?: \d){12})", heard.text)
    assert spoken and "回电" in heard.text, heard.text
    ticket = await client.app[COMPONENTS].desk.get_ticket("GD" + spoken.group(1).replace(" ", ""), SYSTEM)
    assert ticket.kind is TicketKind.CONSULTATION and ticket.reporter.user_id == "+8613911112222"


async def test_out_of_hours_the_caller_is_offered_a_callback_not_a_transfer(aiohttp_client, voice_config):
    today = datetime.now(ZoneInfo("Asia/Shanghai")).isoweekday()
    other_day = (today + 2) % 7 + 1   # never today, whatever the time of the run
    config = voice_config()
    hours = HandoffHoursConfig(weekdays=[other_day])
    config = config.model_copy(update={"handoff": config.handoff.model_copy(update={"hours": hours})})
    client = await aiohttp_client(create_app(config))
    call = Phone(client, caller="+8613911112222")
    await call.dial()
    closed = await call.press("0")     # 人工服务 on the keypad
    assert closed.verb("Enqueue") is None and closed.gather is not None
    assert "服务时间" in closed.text and "回电" in closed.text, closed.text


async def test_with_voicemail_on_a_busy_line_records_a_message_that_the_callback_ticket_carries(
        aiohttp_client, voice_config):
    client = await aiohttp_client(create_app(voice_config(FRONTDOOR_HANDOFF__AGENTS_AVAILABLE="false",
                                                          FRONTDOOR_CHANNELS__VOICE__VOICEMAIL="true")))
    call = Phone(client, caller="+8613911112222")
    await call.dial()
    busy = await call.say("你们的人工客服呢 我要找个人说")
    record = busy.verb("Record")
    assert record is not None and record.get("action") == "/voice/recording" and "留言" in busy.text, busy.text
    assert busy.verb("Enqueue") is None and "忙" in busy.text
    recording = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'1' * 32}"
    asked = await call.leave_message(recording)
    assert "留言已经保存" in asked.text and asked.gather.get("finishOnKey") == "#", asked.text
    heard = await call.press("13911112222#")
    for _ in range(2):
        if "工单号" in heard.text:
            break
        heard = await call.press("1")
    spoken = re.search(r"工单号\s*G D((?: \d){12})", heard.text)
    assert spoken, heard.text
    ticket = await client.app[COMPONENTS].desk.get_ticket("GD" + spoken.group(1).replace(" ", ""), SYSTEM)
    assert recording in ticket.description


async def test_a_caller_who_leaves_no_message_still_hears_the_callback_question(aiohttp_client, voice_config):
    client = await aiohttp_client(create_app(voice_config(FRONTDOOR_HANDOFF__AGENTS_AVAILABLE="false",
                                                          FRONTDOOR_CHANNELS__VOICE__VOICEMAIL="true")))
    call = Phone(client, caller="+8613911112222")
    await call.dial()
    await call.press("0")
    asked = await call.leave_message()      # nothing said: Twilio follows the redirect after <Record>
    assert "留言" not in asked.text and "回电" in asked.text and asked.gather is not None, asked.text


async def test_a_forged_recording_is_refused(client, phone):
    call = phone()
    await call.dial()
    form = {"CallSid": call.call_sid, "RecordingUrl": "https://x.example/a"}
    status, _ = await call.post_form("/voice/recording", form, {"X-Twilio-Signature": "forged"})
    assert status == 403
