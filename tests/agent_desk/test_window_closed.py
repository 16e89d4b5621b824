"""A reply WeChat refuses (the customer's 48 h window closed): the desk says so and offers the configured template
message or an SMS to the contact's registered mobile, against the fake WeChat API and a fake Twilio."""
from __future__ import annotations

import asyncio
import os

import pytest
from aiohttp import ClientSession, CookieJar

from backend_client import AgentAccount
from bot.app import create_app
from bot.keys import COMPONENTS
from channels.wechat.errors import OUTSIDE_WINDOW
from tests import fake_twilio
from tests.agent_desk.conftest import PASSWORD, AgentClient
from tests.agent_desk.conftest import CHROMIUM
from tests.agent_desk.test_browser import signed_in
from tests.wechat.server import AES_KEY, APP_ID, APP_SECRET, TOKEN, WeChatServer

TEMPLATE_ID = "tpl-agent-reply-0001"


@pytest.fixture
async def front_door(aiohttp_server, aiohttp_client, app_config, fake_api):
    """WeChat against the fake API with a template message for agent replies, SMS through a fake Twilio."""
    sms = await fake_twilio.start(aiohttp_server)
    app = create_app(app_config(
        FRONTDOOR_CHANNELS__AGENT_DESK__ENABLED="true", FRONTDOOR_CHANNELS__AGENT_DESK__SECURE_COOKIES="false",
        FRONTDOOR_CHANNELS__WECHAT__ENABLED="true", FRONTDOOR_CHANNELS__WECHAT__TOKEN=TOKEN,
        FRONTDOOR_CHANNELS__WECHAT__APP_ID=APP_ID, FRONTDOOR_CHANNELS__WECHAT__APP_SECRET=APP_SECRET,
        FRONTDOOR_CHANNELS__WECHAT__ENCODING_AES_KEY=AES_KEY, FRONTDOOR_CHANNELS__WECHAT__MODE="compatible",
        FRONTDOOR_CHANNELS__WECHAT__API_BASE_URL=fake_api.base_url, FRONTDOOR_DIALOGUE__BIND_FIRST_CHANNELS="",
        FRONTDOOR_CHANNELS__WECHAT__TEMPLATES__AGENT_REPLY__TEMPLATE_ID=TEMPLATE_ID,
        FRONTDOOR_CHANNELS__WECHAT__TEMPLATES__AGENT_REPLY__FIELDS__KEYWORD1="{text}",
        FRONTDOOR_CHANNELS__WECHAT__TEMPLATES__AGENT_REPLY__FIELDS__KEYWORD2="{agent}", **sms.env()))
    server = await aiohttp_server(app)
    await app[COMPONENTS].desk.add_agent(AgentAccount("agent400", "王芳", "gd-400"), PASSWORD)
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as session:
        desk = AgentClient(session, str(server.make_url("")).rstrip("/"))
        assert await desk.login("agent400") == 302
        yield app, WeChatServer(await aiohttp_client(server)), desk, sms


async def _taken_then_refused(wechat, desk, fake_api, openid: str) -> str:
    """The customer asks for a person, the agent takes it, and WeChat refuses the agent's reply (window closed)."""
    answer = await wechat.say(openid, "你们机器人说的我看不懂，上个月说好的回电也没人打，给我转人工")
    assert answer and "人工" in answer, answer
    cid = f"wechat:{openid}"
    for _ in range(50):   # the board follows the hand-off bus
        if cid in [e["conversation_id"] for e in (await desk.get("/agent/api/queue"))[1]["entries"]]:
            break
        await asyncio.sleep(0.1)
    assert (await desk.post(f"/agent/api/conversations/{cid}/take"))[0] == 200
    fake_api.fail("custom", OUTSIDE_WINDOW)
    status, sent = await desk.post(f"/agent/api/conversations/{cid}/reply", {"text": "抱歉让您久等，我马上跟进"})
    assert status == 200 and sent["delivered"] is False
    return cid


async def test_an_undelivered_reply_goes_out_as_the_configured_template_message(front_door, fake_api):
    app, wechat, desk, sms = front_door
    openid = "o-window-closed-001"
    cid = await _taken_then_refused(wechat, desk, fake_api, openid)
    status, sent = await desk.post(f"/agent/api/conversations/{cid}/fallback",
                                   {"route": "template", "text": "抱歉让您久等，我马上跟进"})
    assert status == 200 and sent["delivered"] is True and sent["detail"].startswith("template:")
    message = fake_api.templates[-1]
    assert (message["touser"], message["template_id"]) == (openid, TEMPLATE_ID)
    assert message["data"]["keyword1"]["value"] == "抱歉让您久等，我马上跟进"
    assert message["data"]["keyword2"]["value"] == "王芳"
    _, view = await desk.get(f"/agent/api/conversations/{cid}")
    assert any("微信模板消息" in note["text"] for note in view["notes"])
    status, refused = await desk.post(f"/agent/api/conversations/{cid}/fallback", {"route": "sms", "text": "短信试试"})
    assert status == 409 and sms.messages == []   # an unbound WeChat user has no registered mobile


async def test_an_undelivered_reply_to_a_bound_contact_goes_by_sms_to_the_registered_mobile(front_door, fake_api):
    app, wechat, desk, sms = front_door
    openid = "o-window-closed-bound"
    backend = app[COMPONENTS].desk
    mobile = (await backend.find_binding("app", "demo-bound")).mobile
    assert await backend.start_verification("wechat", openid, "KH44010001", mobile)
    assert await backend.confirm_verification("wechat", openid, sms.last_code()) is not None
    cid = await _taken_then_refused(wechat, desk, fake_api, openid)
    status, sent = await desk.post(f"/agent/api/conversations/{cid}/fallback",
                                   {"route": "sms", "text": "您反映的回电问题已登记，今天下午三点前联系您"})
    assert status == 200 and sent["delivered"] is True
    assert sms.messages[-1]["Body"] == "【政企客服】您反映的回电问题已登记，今天下午三点前联系您"
    assert sms.messages[-1]["To"].endswith(mobile)
    assert (await desk.post(f"/agent/api/conversations/{cid}/fallback", {"route": "fax", "text": "x"}))[0] == 409


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian chromium not installed")
async def test_the_page_offers_the_template_message_when_the_window_is_closed(browser, front_door, fake_api):
    app, wechat, desk, sms = front_door
    page = await signed_in(browser, desk.base, "agent400")
    openid = "o-window-closed-page"
    await wechat.say(openid, "机器人答非所问，我要人工")
    await page.locator("#queue li", has_text=openid).first.click()
    await page.wait_for_selector("#chat-actions:not([hidden])")
    await page.click("#take")
    await page.wait_for_selector("#reply-form:not([hidden])")
    fake_api.fail("custom", OUTSIDE_WINDOW)
    await page.fill("#reply", "您好，故障已处理完毕")
    await page.click("#send")
    await page.wait_for_selector("#fallback:not([hidden])")
    assert "未能送达" in await page.inner_text("#notice")
    await page.click("#fallback-template")
    await page.wait_for_function("document.getElementById('notice').textContent.includes('已改用微信模板消息发送')")
    assert fake_api.templates[-1]["data"]["keyword1"]["value"] == "您好，故障已处理完毕"
    assert await page.locator("#fallback").is_hidden()
