"""Who is talking on the app channel, over loopback against the real application: the app backend's JWT or HMAC
signature makes a sender who they say; anyone else is anonymous and sees nothing of a bound account."""
from __future__ import annotations

import json
import time
import uuid

import pytest

from backend_client import Level, NewTicket, Reporter, TicketKind
from bot.app import create_app
from bot.keys import COMPONENTS
from channels.app.auth import SIGNATURE_HEADER, TIMESTAMP_HEADER, mint, sign
from dialogue.templates import Templates
from tests.backend.helpers import STAFF

WEBHOOK = "/webhooks/rest/webhook"
JWT_SECRET = "jwt-secret-of-the-operators-app-backend-2026"
HMAC_SECRET = "hmac-secret-of-the-operators-app-backend-2026"
AUTH = {"FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET": JWT_SECRET,
        "FRONTDOOR_CHANNELS__APP__AUTH__HMAC_SECRET": HMAC_SECRET,
        "FRONTDOOR_CHANNELS__APP__AUTH__AUDIENCE": "gd-app"}


@pytest.fixture
async def client(aiohttp_client, app_config):
    return await aiohttp_client(create_app(app_config(**AUTH)))


def token(user: str = "demo-bound", audience: str = "gd-app", ttl_s: int = 600, secret: str = JWT_SECRET,
          now: float | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(secret, user, audience, ttl_s, now=now)}"}


async def say(client, sender: str, text: str, headers: dict[str, str] | None = None, status: int = 200):
    response = await client.post(WEBHOOK, json={"sender": sender, "message": text}, headers=headers or {})
    assert response.status == status, await response.text()
    return await response.json()


def not_found(number: str) -> str:
    return Templates.load().text("ticket_not_found", "app", number=number)


async def bound_ticket(client) -> str:
    """A line-down ticket the key account's contact (app user demo-bound) reported earlier."""
    desk = client.app[COMPONENTS].desk
    opened = await desk.open_ticket(NewTicket(
        TicketKind.INCIDENT, Reporter("app", "demo-bound"), "专线中断", "天河北路专线不通", Level.HIGH,
        uuid.uuid4().hex, service_type="专线", circuit_id="GZ-MSTP-000123"))
    return opened.ticket.number


async def test_a_forged_sender_is_anonymous_and_sees_none_of_the_bound_accounts_tickets(client):
    number = await bound_ticket(client)
    forged = await say(client, "demo-bound", "我的工单现在处理到哪一步了？")
    assert forged[0]["recipient_id"] == "demo-bound"
    assert number not in json.dumps(forged, ensure_ascii=False)
    asked = await say(client, "demo-bound", f"麻烦帮我查一下 {number} 这张单子")
    assert asked[0]["text"] == not_found(number)
    assert await client.app[COMPONENTS].store.load("app:demo-bound") is None
    assert await client.app[COMPONENTS].store.load("app:anon:demo-bound") is not None


async def test_a_forged_sender_cannot_urge_the_bound_accounts_ticket(client):
    number = await bound_ticket(client)
    desk = client.app[COMPONENTS].desk
    before = await desk.ticket_events(number, STAFF)
    urged = await say(client, "demo-bound", f"你们怎么还没修好，赶紧给我催一下 {number}！")
    assert urged[0]["text"] == not_found(number)
    await say(client, "demo-bound", "确认")
    assert await desk.ticket_events(number, STAFF) == before


async def test_the_app_backends_token_for_demo_bound_sees_the_accounts_ticket(client):
    number = await bound_ticket(client)
    answer = await say(client, "demo-bound", "我的工单现在处理到哪一步了？", token())
    assert number in json.dumps(answer, ensure_ascii=False)


@pytest.mark.parametrize(("headers", "reason"), [   # minted when the test runs: a slow suite outlives a TTL
    (lambda: token(now=time.time() - 7200), "token_expired"),
    (lambda: token(audience="another-app"), "token_audience"),
    (lambda: token(secret="an-attackers-own-secret-long-enough-000000"), "token_invalid"),
    (lambda: token(user="someone-else"), "sender_mismatch"),
    (lambda: {"Authorization": "Bearer"}, "unsupported_authorization"),
])
async def test_bad_credentials_are_refused_with_401_not_served_anonymously(client, headers, reason):
    headers = headers()
    response = await client.post(WEBHOOK, json={"sender": "demo-bound", "message": "我的工单怎么样了"},
                                 headers=headers)
    assert response.status == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await response.json())["detail"] == reason
    components = client.app[COMPONENTS]
    assert await components.store.load("app:demo-bound") is None
    assert await components.store.load("app:anon:demo-bound") is None


def signed(body: bytes, at: int, secret: str = HMAC_SECRET) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(at), SIGNATURE_HEADER: sign(secret, str(at), "POST", WEBHOOK, body),
            "Content-Type": "application/json"}


async def test_a_signed_request_speaks_for_its_sender_once_and_a_replay_is_refused(client):
    number = await bound_ticket(client)
    body = json.dumps({"sender": "demo-bound", "message": "我的工单现在处理到哪一步了？"}).encode()
    fresh = await client.post(WEBHOOK, data=body, headers=signed(body, int(time.time())))
    assert fresh.status == 200 and number in await fresh.text()
    stale = await client.post(WEBHOOK, data=body, headers=signed(body, int(time.time()) - 301))
    assert stale.status == 401 and (await stale.json())["detail"] == "timestamp_stale"
    thanks = json.dumps({"sender": "demo-bound", "message": "好的，谢谢"}).encode()
    captured = signed(thanks, int(time.time()))
    assert (await client.post(WEBHOOK, data=thanks, headers=captured)).status == 200
    replayed = await client.post(WEBHOOK, data=thanks, headers=captured)
    assert replayed.status == 401 and (await replayed.json())["detail"] == "signature_replayed"
    altered = body.replace(b"demo-bound", b"demo-other")
    tampered = await client.post(WEBHOOK, data=altered, headers=signed(body, int(time.time())))
    assert tampered.status == 401 and (await tampered.json())["detail"] == "signature_invalid"


async def test_an_anonymous_visitor_cannot_bind_an_account_even_knowing_the_contacts_mobile(client):
    for text in ("我想把我们公司的账号绑定一下", "客户编码是KH44010001"):
        await say(client, "visitor-1", text)
    refused = await say(client, "visitor-1", "手机号13800138001")
    assert refused[0]["text"] == Templates.load().text("bind_needs_sign_in", "app")
    assert await client.app[COMPONENTS].desk.find_binding("app", "anon:visitor-1") is None
    signed_in = {"Authorization": token("visitor-1")["Authorization"]}
    for text in ("我想把我们公司的账号绑定一下", "客户编码是KH44010001"):
        await say(client, "visitor-1", text, signed_in)
    asked = await say(client, "visitor-1", "手机号13800138001", signed_in)
    assert asked[0]["text"] == Templates.load().text("ask_bind_code", "app", mobile="138****8001")
