"""The agent desk in Debian's headless Chromium (Playwright, the system executable): an agent signs in, takes a
WeChat conversation the fake WeChat server delivered, replies (the fake WeChat API receives the customer-service
message), hands back; a second agent's take fails; the app channel's WebSocket gets the agent's reply; customer
text with markup renders as text; a county agent cannot open another county's conversation.

Set FRONTDOOR_SCREENSHOTS=1 to refresh the README's screenshots under docs/."""
from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from aiohttp import ClientSession

from backend_client import AgentAccount
from bot.app import create_app
from bot.keys import COMPONENTS
from channels.app.auth import mint
from tests.agent_desk.conftest import CHROMIUM, JWT_SECRET, PASSWORD
from tests.wechat.server import AES_KEY, APP_ID, APP_SECRET, TOKEN, WeChatServer

DOCS = Path(__file__).resolve().parents[2] / "docs"
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian chromium not installed")


@pytest.fixture
async def front_door(aiohttp_server, aiohttp_client, app_config, fake_api):
    """The front door with the agent desk, WeChat (against the fake API) and app identities; four agents."""
    app = create_app(app_config(
        FRONTDOOR_CHANNELS__AGENT_DESK__ENABLED="true", FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET=JWT_SECRET,
        FRONTDOOR_CHANNELS__WECHAT__ENABLED="true", FRONTDOOR_CHANNELS__WECHAT__TOKEN=TOKEN,
        FRONTDOOR_CHANNELS__WECHAT__APP_ID=APP_ID, FRONTDOOR_CHANNELS__WECHAT__APP_SECRET=APP_SECRET,
        FRONTDOOR_CHANNELS__WECHAT__ENCODING_AES_KEY=AES_KEY, FRONTDOOR_CHANNELS__WECHAT__MODE="compatible",
        FRONTDOOR_CHANNELS__WECHAT__API_BASE_URL=fake_api.base_url, FRONTDOOR_DIALOGUE__BIND_FIRST_CHANNELS=""))
    server = await aiohttp_server(app)
    for login, group, role in (("lead400", "gd-400", "lead"), ("agent400", "gd-400", "agent"),
                               ("tianhe", "gd-gz-tianhe", "agent"), ("nanhai", "gd-fs-nanhai", "agent")):
        await app[COMPONENTS].desk.add_agent(AgentAccount(login, f"坐席{login}", group, role), PASSWORD)
    wechat = WeChatServer(await aiohttp_client(server))
    return str(server.make_url("")).rstrip("/"), wechat


async def signed_in(browser, base: str, login: str):
    # bypass_csp: the test waits with evaluated JS, and markup must stay inert even without the CSP
    context = await browser.new_context(viewport={"width": 1400, "height": 860}, locale="zh-CN", bypass_csp=True)
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), asyncio.ensure_future(dialog.dismiss())))
    page.dialogs = dialogs
    await page.goto(f"{base}/agent/")
    assert page.url.endswith("/agent/login")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/agent/")
    await page.wait_for_selector("#link.ok")
    return page


async def custom_with(fake_api, words: str) -> list[dict]:
    """The customer-service messages once one of them carries ``words`` (TimeoutError otherwise)."""
    count = 1
    while True:
        sent = await fake_api.wait_custom(count)
        if any(words in json.dumps(body, ensure_ascii=False) for body in sent):
            return sent
        count = len(sent) + 1


async def shot(page, name: str) -> None:
    if os.environ.get("FRONTDOOR_SCREENSHOTS"):
        DOCS.mkdir(exist_ok=True)
        await page.screenshot(path=str(DOCS / name))


async def test_an_agent_takes_a_wechat_conversation_replies_and_hands_back(browser, front_door, fake_api):
    base, wechat = front_door
    page = await signed_in(browser, base, "agent400")
    openid = "o-browser-wechat-001"
    xss = '<img src=x onerror="alert(1)">'
    await wechat.say(openid, f"宽带一直掉线，你们机器人说的我看不懂，给我转人工 {xss}")
    item = page.locator("#queue li", has_text="wechat:" + openid).or_(page.locator("#queue li", has_text=openid))
    await item.first.wait_for()
    await item.first.click()
    await page.wait_for_selector("#chat-actions:not([hidden])")
    await page.click("#take")
    await page.wait_for_selector("#reply-form:not([hidden])")
    transcript = await page.inner_text("#transcript")
    assert xss in transcript and page.dialogs == []  # markup from a customer is shown as text, never run
    await shot(page, "agent-desk-conversation.png")

    rival = await signed_in(browser, base, "lead400")
    await rival.locator("#queue li", has_text=openid).first.click()
    await rival.wait_for_selector("#chat-actions:not([hidden])")
    await rival.click("#take")
    await rival.wait_for_function("document.getElementById('notice').textContent.includes('agent400')")

    await page.fill("#reply", "您好，我是坐席小王，已经为您查看了线路，稍后会有工程师联系您。")
    await page.click("#send")
    sent = await custom_with(fake_api, "坐席小王")   # the take's own "已接入" message may come first
    assert sent[-1]["touser"] == openid

    await page.click("#handback")
    await page.wait_for_function("document.getElementById('notice').textContent.includes('交回')")
    answer = await wechat.say(openid, "你好")
    assert answer and "人工" not in answer[:4]  # the bot answers again
    await shot(page, "agent-desk-queue.png")


async def test_the_app_customer_gets_the_agents_reply_over_the_websocket(browser, front_door):
    base, _ = front_door
    token = mint(JWT_SECRET, "app-ws-user", "frontdoor", 600)
    async with ClientSession() as session:
        socket = await session.ws_connect(f"{base}/app/ws?token={token}",
                                          headers={"Authorization": f"Bearer {token}"})
        async with session.post(f"{base}/webhooks/rest/webhook", json={"sender": "app-ws-user", "message": "转人工"},
                                headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200
        page = await signed_in(browser, base, "agent400")
        await page.locator("#queue li", has_text="app-ws-user").first.click()
        await page.click("#take")
        await page.wait_for_selector("#reply-form:not([hidden])")
        await page.fill("#reply", "App 用户您好，我来帮您处理。")
        await page.keyboard.press("Enter")
        texts = []
        while not any("我来帮您处理" in t for t in texts):
            frame = await asyncio.wait_for(socket.receive_json(), 10)
            texts.append(frame.get("text", ""))
        await socket.close()


async def test_a_county_agent_cannot_open_another_countys_conversation(browser, front_door):
    base, wechat = front_door
    openid = "o-foshan-county-9"
    await wechat.say(openid, "南海这边的专线断了，帮我转人工")
    front = await signed_in(browser, base, "agent400")
    await front.locator("#queue li", has_text=openid).first.click()
    await front.select_option("#transfer-group", "gd-fs-nanhai")
    await front.click("#transfer")
    await front.wait_for_function("document.getElementById('notice').textContent.includes('转组')")
    county = await signed_in(browser, base, "tianhe")
    await county.wait_for_timeout(300)
    assert openid not in await county.inner_text("#queue")
    status = await county.evaluate("cid => fetch('/agent/api/conversations/' + encodeURIComponent(cid)).then(r => r.status)",
                                   f"wechat:{openid}")
    assert status == 404
    owner = await signed_in(browser, base, "nanhai")
    await owner.locator("#queue li", has_text=openid).first.wait_for()
