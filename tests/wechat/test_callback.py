"""POST /wechat through the real app and engine, driven with wechatpy's own crypto: plain, compatible and safe mode,
every inbound kind, retries, and the deadline."""
from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest

from bot.app import create_app
from bot.keys import COMPONENTS
from tests.wechat.server import WeChatServer, new_msg_id, payload

MODES = ["plain", "compatible", "safe"]


def tickets(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "desk.db") as db:
        return db.execute("SELECT count(*) FROM tickets").fetchone()[0]


async def history(server: WeChatServer, openid: str) -> list:
    saved = await server.client.app[COMPONENTS].store.load(f"wechat:{openid}")
    return saved["history"] if saved else []


async def to_confirmation(server: WeChatServer, openid: str, mode: str = "plain") -> str:
    """Drive a fault report up to the confirmation question."""
    await server.say(openid, "你好，我们公司专线断了", mode)
    await server.say(openid, "电路编号是GZ-MSTP-000123", mode)
    confirm = await server.say(openid, "13800138000", mode)
    assert "确认" in confirm and "1. 确认提交" in confirm
    return confirm


async def test_server_verification_echoes_echostr(wechat):
    response = await wechat.client.get("/wechat", params={**wechat.query(), "echostr": "8429357081"})
    assert (response.status, await response.text()) == (200, "8429357081")


async def test_server_verification_with_a_wrong_signature_is_403(wechat):
    query = {**wechat.query(), "signature": "0" * 40, "echostr": "8429357081"}
    response = await wechat.client.get("/wechat", params=query)
    assert response.status == 403 and "8429357081" not in await response.text()


@pytest.mark.parametrize("mode", MODES)
async def test_fault_report_to_a_ticket_in_each_mode(wechat, mode, tmp_path):
    openid = f"oFault_{mode}"
    asked = await wechat.say(openid, "你好，我们公司专线断了", mode)
    assert "电路" in asked
    await to_confirmation(wechat, openid, mode)
    opened = await wechat.say(openid, "1", mode)
    assert re.search(r"GD\d{12}", opened)
    assert tickets(tmp_path) == 1


async def test_voice_transcript_is_understood(wechat):
    response = await wechat.post(payload("voice.xml", "oVoice_1", "我们公司专线断了"))
    assert "电路" in await wechat.reply(response)


async def test_image_is_acknowledged(wechat):
    reply = await wechat.reply(await wechat.post(payload("image.xml", "oImage_1"), "safe"))
    assert "已收到您的图片" in reply


async def test_subscribe_welcomes_and_offers_binding_answered_by_digit(wechat):
    greeting = await wechat.reply(await wechat.post(payload("subscribe_qrscene.xml", "oNew_1")))
    assert "1. 绑定企业账号" in greeting
    assert "客户编码" in await wechat.say("oNew_1", "1")


async def test_unbound_fault_report_is_offered_binding_first(aiohttp_client, wechat_config):
    config = wechat_config(FRONTDOOR_DIALOGUE__BIND_FIRST_CHANNELS="wechat")
    server = WeChatServer(await aiohttp_client(create_app(config)))
    offer = await server.say("oGate_1", "我们公司专线断了")
    assert "1. 绑定企业账号" in offer and "2. 暂不绑定" in offer
    assert "电路" in await server.say("oGate_1", "2")


async def test_menu_click_starts_the_mapped_intent(wechat):
    reply = await wechat.reply(await wechat.post(payload("click.xml", "oClick_1", "REPORT_FAULT")))
    assert "故障" in reply


@pytest.mark.parametrize("name", ["unsubscribe.xml", "view.xml"])
async def test_unsubscribe_and_view_answer_success_and_run_nothing(wechat, name):
    assert await wechat.reply(await wechat.post(payload(name, "oGone_1"))) is None
    assert await history(wechat, "oGone_1") == []


async def test_retry_after_the_answer_gets_the_same_reply_without_a_second_turn(wechat):
    msg_id = new_msg_id()
    first = await wechat.say("oRetry_1", "你好，我们公司专线断了", msg_id=msg_id)
    again = await wechat.say("oRetry_1", "你好，我们公司专线断了", mode="safe", msg_id=msg_id)
    assert first == again
    assert len(await history(wechat, "oRetry_1")) == 1


async def test_retried_fault_confirmation_opens_exactly_one_ticket(wechat, tmp_path):
    await to_confirmation(wechat, "oRetry_2")
    msg_id = new_msg_id()
    replies = await asyncio.gather(*(wechat.say("oRetry_2", "确认", msg_id=msg_id) for _ in range(3)))
    late = await wechat.say("oRetry_2", "确认", mode="compatible", msg_id=msg_id)
    numbers = {n for text in [*replies, late] if text for n in re.findall(r"GD\d{12}", text)}
    assert len(numbers) == 1 and tickets(tmp_path) == 1
    assert len(await history(wechat, "oRetry_2")) == 4


async def test_late_turn_answers_success_and_arrives_by_customer_service_message(aiohttp_client, wechat_config,
                                                                                 fake_api):
    server = WeChatServer(await aiohttp_client(create_app(wechat_config(
        FRONTDOOR_CHANNELS__WECHAT__DEADLINE_S="0"))))
    assert await server.say("oLate_1", "你好，我们公司专线断了", "safe") is None
    sent = await fake_api.wait_custom(1)
    assert sent[0]["touser"] == "oLate_1" and "电路" in sent[0]["text"]["content"]
    assert await server.say("oLate_1", "电路编号是GZ-MSTP-000123") is None
    assert len(await fake_api.wait_custom(2)) == 2 and fake_api.token_requests == 1


async def test_expired_token_is_refreshed_once_and_the_send_retried(aiohttp_client, wechat_config, fake_api):
    server = WeChatServer(await aiohttp_client(create_app(wechat_config(
        FRONTDOOR_CHANNELS__WECHAT__DEADLINE_S="0"))))
    await server.say("oToken_1", "你好")
    await fake_api.wait_custom(1)
    fake_api.expire_tokens(40001)
    await server.say("oToken_1", "我们专线断了")
    assert len(await fake_api.wait_custom(2)) == 2
    assert fake_api.token_requests == 2
