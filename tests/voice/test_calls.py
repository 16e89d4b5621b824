"""Whole calls on the hotline, walked through the real webhooks with signed requests and parsed TwiML."""
from __future__ import annotations

import re

from tests.voice.phone import Phone


async def test_a_call_is_greeted_with_one_gather_for_speech_and_keys(phone):
    heard = await phone().dial()
    gather = heard.gather
    assert gather is not None
    assert gather.get("input") == "speech dtmf" and gather.get("language") == "zh-CN"
    assert gather.get("bargeIn") == "true" and gather.get("speechTimeout") == "auto"
    assert gather.get("actionOnEmptyResult") == "true" and gather.get("action") == "/voice/gather"
    assert "专线" in gather.get("hints", "").split(",")
    assert all(say.get("voice") == "Polly.Zhiyu" for say in gather.iter("Say"))
    assert "请按1" in heard.text and "政企客户服务台" in heard.text


async def test_fault_reported_by_a_mumbling_caller_ends_with_the_ticket_number_read_digit_by_digit(phone):
    call = phone()
    await call.dial()
    heard = await call.say("嗯 那个 我们公司那条专限从早上开始就断了")
    heard = await call.say("电路编号是 GZ-MSTP-000123") if "电路" in heard.text else heard
    for _ in range(4):
        if "描述" in heard.text:
            heard = await call.say("完全上不了网 光猫上面的灯一直闪红色")
        elif "手机" in heard.text or "号码" in heard.text:
            assert heard.gather.get("finishOnKey") == "#"
            heard = await call.press("13800138000#")
        elif "读一遍" in heard.text:
            break
        else:
            heard = await call.say("互联网专线")
    assert "读一遍" in heard.text and "1 3 8 0 0 1 3 8 0 0 0" in heard.text, heard.text
    confirm_key = re.search(r"确认提交请按(\d)", heard.text).group(1)
    opened = await call.press(confirm_key)
    number = re.search(r"G D(?: \d){12}", opened.text)
    assert number is not None, opened.text


async def test_keypad_only_caller_reaches_the_fault_form_and_the_status_query(phone):
    call = phone()
    await call.dial()
    heard = await call.press("9")  # repeat: the same greeting again, nothing sent to the engine
    assert "政企客户服务台" in heard.text
    menu = await call.press("2")
    assert "工单号" in menu.text and menu.gather.get("finishOnKey") == "#"


async def test_silence_three_times_walks_the_ladder_to_a_person(phone):
    call = phone()
    greeting = await call.dial()
    first = await call.silence()
    assert "没有听清" in first.text and greeting.says[-1] in first.says  # rephrased once, same question
    second = await call.silence()
    assert "人工服务请按0" in second.text and "没有听清" not in second.text  # the keypad menu, a new prompt
    third = await call.silence()
    assert third.verb("Enqueue") is not None or "回电" in third.text or "人工" in third.text, third.text
    assert third.text.count("没有听清") == 0


async def test_unsure_speech_counts_as_not_heard(phone):
    call = phone()
    await call.dial()
    heard = await call.say("专线坏了", confidence="0.21")
    assert "没有听清" in heard.text


async def test_hostile_content_gets_a_safe_reprompt_not_an_error(phone):
    call = phone()
    await call.dial()
    long = await call.say("专线" * 2500)
    assert long.gather is not None
    letters = await call.press("12ab<script>")
    assert "没有听清" in letters.text


async def test_forged_or_missing_signatures_are_refused(client, phone):
    call = phone()
    unsigned = await client.post("/voice/incoming", data={"CallSid": call.call_sid, "From": call.caller})
    assert unsigned.status == 403
    forged = Phone(client, token="not-the-real-token-000000000000")
    assert (await forged.post("/voice/incoming"))[0] == 403
    signed_elsewhere = await client.post(
        "/voice/gather", data={"CallSid": call.call_sid, "Digits": "1"},
        headers={"X-Twilio-Signature": call.sign("/voice/incoming", {"CallSid": call.call_sid, "Digits": "1"})})
    assert signed_elsewhere.status == 403


async def test_a_signed_request_without_a_call_is_a_bad_request(phone):
    call = phone(call_sid="")
    status, body = await call.post("/voice/incoming")
    assert status == 400 and "CallSid" in body


async def test_a_call_that_ended_is_not_revived_and_opens_nothing(client, phone):
    call = phone()
    await call.dial()
    await call.say("我要报故障，专线断了")
    assert await call.hang_up() == 204
    late = await call.say("确认")
    assert late.verb("Hangup") is not None and late.gather is None


async def test_withheld_numbers_never_share_a_conversation(phone):
    first, second = phone(caller="anonymous"), phone(caller="anonymous")
    await first.dial()
    await first.say("我要报故障 宽带断了")
    fresh = await second.dial()
    assert "政企客户服务台" in fresh.text
    assert "哪项业务" not in fresh.text and "地址" not in fresh.text


async def test_hanging_up_mid_report_is_noted_on_the_conversation_and_opens_nothing(client, phone):
    from bot.keys import COMPONENTS
    from backend_client import SYSTEM

    call = phone()
    await call.dial()
    await call.say("我们公司专线断了")
    await call.say("电路编号 GZ MSTP 000123")
    before = (await client.app[COMPONENTS].desk.list_tickets(SYSTEM, limit=100)).total
    assert await call.hang_up() == 204
    saved = await client.app[COMPONENTS].store.load(f"voice:{call.call_sid}")
    assert saved["flow"] is None
    last = saved["history"][-1]
    assert last["intent"] == "call_ended" and "fault_report" in last["note"]
    assert (await client.app[COMPONENTS].desk.list_tickets(SYSTEM, limit=100)).total == before


async def test_a_caller_keys_in_the_ticket_number_and_hears_its_status(phone):
    reporter = phone(caller="+8613700137003")
    await reporter.dial()
    await reporter.say("我们公司的宽带断了")
    heard = await reporter.say("佛山市南海区桂城街道南海大道18号")
    for _ in range(4):
        if "读一遍" in heard.text:
            break
        heard = await (reporter.press("13700137003#") if heard.gather.get("finishOnKey") == "#"
                       else reporter.say("完全上不了网"))
    opened = await reporter.press(re.search(r"确认提交请按(\d)", heard.text).group(1))
    digits = re.search(r"G D((?: \d){12})", opened.text).group(1).replace(" ", "")
    other_phone = phone(caller="+8613911112222")   # not the reporter's number: must key the ticket in
    await other_phone.dial()
    asked = await other_phone.press("2")                      # 工单查询
    assert asked.gather.get("finishOnKey") == "#", asked.text
    status = await other_phone.press(digits + "#")   # only the digits: the channel adds GD
    assert " ".join(digits[-4:]) in status.text, status.text


async def test_a_registered_contact_calling_from_their_mobile_is_greeted_by_company(phone):
    known = await phone(caller="+8613800138001").dial()
    assert "广州珠江智造科技有限公司" in known.text
    stranger = await phone(caller="+8613012345678").dial()
    assert "有限公司" not in stranger.text and "政企客户服务台" in stranger.text


async def test_a_registered_caller_picks_the_broken_line_from_a_keypad_list(phone):
    call = phone(caller="+8613800138001")
    await call.dial()
    heard = await call.say("我们公司网络断了 一直连不上 麻烦报个障")
    for _ in range(3):
        if "天河北路" in heard.text:
            break
        heard = await call.press("1") if "请按1" in heard.text else await call.say("互联网专线")
    line = re.search(r"天河北路[^，。]*请按(\d)", heard.text)
    assert line is not None and "珠江新城" in heard.text, heard.text
    heard = await call.press(line.group(1))
    for _ in range(4):
        if "读一遍" in heard.text:
            break
        heard = await (call.press("13800138001#") if heard.gather.get("finishOnKey") == "#"
                       else call.say("完全上不了网 光猫灯一直闪红"))
    assert "G Z I P R A N 0 2 0 4 5 6 1" in heard.text, heard.text   # the circuit picked, read back


async def test_an_unknown_caller_is_not_offered_anyone_s_circuits(phone):
    call = phone(caller="+8613012345678")
    await call.dial()
    heard = await call.say("我们公司网络断了 一直连不上 麻烦报个障")
    for _ in range(2):
        if "区县" in heard.text:
            break
        heard = await call.say("互联网专线")
    assert "区县" in heard.text and "天河" not in heard.text and "线路" not in heard.text, heard.text
