"""Messages pushed to the app, over loopback against the real application: a WebSocket client receives what the
desk's outbox publishes and what an agent sends through `send`; the poll fallback returns the same, once."""
from __future__ import annotations

import asyncio
import json
import time
import uuid

import aiohttp
import pytest

from backend_client import Level, NewTicket, Reporter, TicketKind, TicketStatus
from bot.app import create_app
from bot.channels import OUTBOUND
from bot.delivery import dispatcher
from bot.keys import COMPONENTS
from channels.app.auth import SIGNATURE_HEADER, TIMESTAMP_HEADER, mint, sign
from dialogue.types import Reply
from tests.backend.helpers import STAFF
from tests.support import require_redis

JWT_SECRET = "jwt-secret-of-the-operators-app-backend-2026"
ENV = {"FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET": JWT_SECRET, "FRONTDOOR_JOBS__DELIVERY_INTERVAL_S": "0"}


def bearer(user: str = "demo-bound", ttl_s: int = 600) -> str:
    return mint(JWT_SECRET, user, "frontdoor", ttl_s)


@pytest.fixture
async def client(aiohttp_client, app_config):
    return await aiohttp_client(create_app(app_config(**ENV)))


async def resolve_a_ticket(client, note: str = "光缆已熔接，业务恢复正常") -> str:
    """demo-bound's line-down ticket, resolved by an agent: the desk queues a notification on the app channel."""
    desk = client.app[COMPONENTS].desk
    ticket = (await desk.open_ticket(NewTicket(
        TicketKind.INCIDENT, Reporter("app", "demo-bound"), "专线中断", "天河北路专线不通", Level.HIGH,
        uuid.uuid4().hex, service_type="专线", circuit_id="GZ-MSTP-000123"))).ticket
    await desk.transition(ticket.number, TicketStatus.RESOLVED, STAFF, note=note)
    return ticket.number


async def receive(socket, count: int) -> list[dict]:
    return [json.loads((await asyncio.wait_for(socket.receive(), 5)).data) for _ in range(count)]


async def poll(client, since: int, token: str | None = None) -> dict:
    response = await client.get("/app/messages", params={"since": str(since), "token": token or bearer()})
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_websocket_client_receives_the_desks_notification_and_an_agents_reply(client):
    socket = await client.ws_connect("/app/ws", headers={"Authorization": f"Bearer {bearer()}"})
    number = await resolve_a_ticket(client)
    assert await dispatcher(client.app).run_once() == 1
    agent = await client.app[OUTBOUND].send("app", "demo-bound", [Reply("客服小王：工程师已到现场，请保持电话畅通")])
    assert agent.delivered
    notice, survey, reply = await receive(socket, 3)
    assert number in notice["text"] and "光缆已熔接" in notice["text"]
    assert len(survey["buttons"]) == 5 and survey["buttons"][4]["payload"].startswith("/rate_service")
    assert reply["text"] == "客服小王：工程师已到现场，请保持电话畅通"
    first_cursor = notice["cursor"]
    assert [m["cursor"] for m in (notice, survey, reply)] == [first_cursor, first_cursor + 1, first_cursor + 2]
    await socket.close()
    first = await poll(client, 0)
    assert [m["text"] for m in first["messages"]] == [notice["text"], survey["text"], reply["text"]]
    assert first["cursor"] == reply["cursor"]
    assert (await poll(client, first["cursor"]))["messages"] == []
    assert (await poll(client, 0))["messages"] == []   # acknowledged up to the last cursor: gone for good


async def test_a_client_that_reconnects_catches_up_from_its_cursor_without_duplicates(client):
    outbound = client.app[OUTBOUND]
    for n in range(3):
        await outbound.send("app", "demo-bound", [Reply(f"第{n + 1}条客服回复")])
    socket = await client.ws_connect("/app/ws", params={"token": bearer()})
    received = await receive(socket, 3)
    await socket.send_json({"ack": received[0]["cursor"]})
    await socket.close()
    await outbound.send("app", "demo-bound", [Reply("第4条客服回复")])
    again = await client.ws_connect("/app/ws", params={"token": bearer(), "since": str(received[1]["cursor"])})
    assert [m["text"] for m in await receive(again, 2)] == ["第3条客服回复", "第4条客服回复"]
    await again.close()


async def test_other_users_messages_never_reach_a_socket(client):
    socket = await client.ws_connect("/app/ws", params={"token": bearer("u-other-company")})
    await client.app[OUTBOUND].send("app", "demo-bound", [Reply("只给 demo-bound 的消息")])
    await client.app[OUTBOUND].send("app", "u-other-company", [Reply("给另一家公司的消息")])
    [only] = await receive(socket, 1)
    assert only["text"] == "给另一家公司的消息"
    await socket.close()


@pytest.mark.parametrize("params", [{}, {"token": "not-a-jwt"}, {"sender": "demo-bound"},
                                    {"token": mint(JWT_SECRET, "demo-bound", "frontdoor", -100)}])
async def test_socket_and_poll_need_the_app_backends_proof(client, params):
    for path in ("/app/ws", "/app/messages"):
        response = await client.get(path, params=params)
        assert response.status == 401, path
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await client.ws_connect("/app/ws", params={"sender": "demo-bound"})


@pytest.mark.parametrize("since", ["-1", "abc", "３", str(2**60)])
async def test_a_bad_cursor_is_a_400(client, since):
    response = await client.get("/app/messages", params={"since": since, "token": bearer()})
    assert response.status == 400 and "since" in (await response.json())["detail"]


async def test_anonymous_recipients_get_nothing_queued_and_the_notification_is_not_retried(client):
    result = await client.app[OUTBOUND].send("app", "anon:u-778", [Reply("您的工单已处理")])
    assert not result.delivered and not result.retry


async def test_with_redis_a_message_sent_by_one_process_reaches_a_socket_on_another(aiohttp_client, app_config):
    require_redis()
    shared = {**ENV, "FRONTDOOR_REDIS__URL": "redis://127.0.0.1:6379/15",
              "FRONTDOOR_REDIS__KEY_PREFIX": f"fdtest:{uuid.uuid4().hex[:8]}:"}
    first = await aiohttp_client(create_app(app_config(**shared)))
    second = await aiohttp_client(create_app(app_config(**shared)))
    socket = await first.ws_connect("/app/ws", params={"token": bearer()})
    await second.app[OUTBOUND].send("app", "demo-bound", [Reply("另一台服务器发出的客服回复")])
    [pushed] = await receive(socket, 1)
    assert pushed["text"] == "另一台服务器发出的客服回复"
    await socket.close()
    assert (await poll(second, 0))["messages"][0]["text"] == "另一台服务器发出的客服回复"



async def test_the_app_backend_may_poll_for_its_user_with_a_signed_request(aiohttp_client, app_config):
    secret = "hmac-secret-of-the-operators-app-backend-2026"
    client = await aiohttp_client(create_app(app_config(**ENV, FRONTDOOR_CHANNELS__APP__AUTH__HMAC_SECRET=secret)))
    await client.app[OUTBOUND].send("app", "demo-bound", [Reply("客服回复：已为您加急处理")])
    path = "/app/messages?since=0&sender=demo-bound"
    at = str(int(time.time()))
    headers = {TIMESTAMP_HEADER: at, SIGNATURE_HEADER: sign(secret, at, "GET", path, b"")}
    polled = await client.get(path, headers=headers)
    assert polled.status == 200
    assert [m["text"] for m in (await polled.json())["messages"]] == ["客服回复：已为您加急处理"]
    other = "/app/messages?since=0&sender=u-other-company"
    forged = await client.get(other, headers=headers)   # the signature covers the query: another user is refused
    assert forged.status == 401 and (await forged.json())["detail"] == "signature_invalid"
