"""HttpServiceDesk against a scripted local server: what it retries, what it maps, what it gives up on."""
from __future__ import annotations

import socket
from datetime import datetime, timezone

import pytest
from aiohttp import web

from backend_client import Actor, BackendError, BackendUnavailable, Conflict, Forbidden, Invalid, Level, NewTicket
from backend_client import NotFound, Reporter, Role, TicketKind, TicketStatus
from backend_client.http import HttpServiceDesk

AGENT = Actor(Role.AGENT, "agent-7", "agent_desk")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc).isoformat()
TICKET = {"number": "GD202611230001", "kind": "incident", "status": "assigned", "priority": "P1", "summary": "s",
          "customer_id": 1, "reporter": {"channel": "app", "user_id": "u"}, "assigned_tier": "city",
          "assigned_group": "gd-gz", "owner_group": "gd-400", "created_at": NOW, "response_due_at": NOW,
          "resolution_due_at": None, "responded_at": None, "resolved_at": None, "version": 1, "a_newer_field": 1}


class Script:
    """A fake API answering each request with the next scripted (status, body); records what it received."""

    def __init__(self, *answers: tuple[int, object]):
        self.answers = list(answers)
        self.requests: list[web.Request] = []
        self.bodies: list[bytes] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(request)
        self.bodies.append(await request.read())
        status, body = self.answers.pop(0)
        if isinstance(body, str):
            return web.Response(status=status, text=body, content_type="text/html")
        return web.json_response(body, status=status)


@pytest.fixture
def remote(aiohttp_server):
    async def start(*answers: tuple[int, object]) -> tuple[HttpServiceDesk, Script]:
        script = Script(*answers)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", script.handle)
        server = await aiohttp_server(app)
        return HttpServiceDesk(str(server.make_url("/")), "tok", retries=2, backoff_s=0.01), script

    return start


async def test_a_get_is_retried_on_503_and_succeeds(remote):
    desk, script = await remote((503, {"error": "unavailable", "detail": "db"}), (502, "<html>bad gateway</html>"),
                                (200, TICKET))
    async with desk:
        ticket = await desk.get_ticket("GD202611230001", AGENT)
    assert ticket.status is TicketStatus.ASSIGNED and len(script.requests) == 3
    sent = script.requests[0].headers
    assert (sent["Authorization"], sent["X-Actor-Id"], sent["X-Actor-Role"]) == ("Bearer tok", "agent-7", "agent")


async def test_a_plain_post_is_not_retried(remote):
    desk, script = await remote((503, {"error": "unavailable", "detail": "db"}), (200, TICKET))
    async with desk:
        with pytest.raises(BackendUnavailable):
            await desk.transition("GD1", TicketStatus.RESOLVED, AGENT)
    assert len(script.requests) == 1


async def test_opening_a_ticket_is_retried_with_the_same_key_and_customer(remote):
    opened = {"ticket": TICKET, "outcome": "opened", "notice": None}
    desk, script = await remote((504, {}), (201, opened))
    request = NewTicket(TicketKind.INCIDENT, Reporter("wechat", "o-1"), "s", "d",
                        Level.HIGH, "msg-9", customer_id=1)
    async with desk:
        assert (await desk.open_ticket(request)).ticket.number == TICKET["number"]
    keys = [r.headers["Idempotency-Key"] for r in script.requests]
    assert keys == ["msg-9", "msg-9"]
    assert script.requests[1].headers["X-On-Behalf-Of-User"] == "o-1"
    assert b"idempotency_key" not in script.bodies[1]


@pytest.mark.parametrize("status, body, error, code", [
    (404, {"error": "not_found", "detail": "ticket GD1"}, NotFound, "not_found"),
    (403, {"error": "forbidden", "detail": "another account"}, Forbidden, "forbidden"),
    (409, {"error": "transition.closed_is_final", "detail": "closed"}, Conflict, "transition.closed_is_final"),
    (422, {"error": "invalid", "detail": "P9"}, Invalid, "invalid"),
    (401, {"error": "unauthorized", "detail": "token"}, BackendError, "unauthorized"),
    (500, "<html>oops</html>", BackendError, "http_500"),
])
async def test_api_errors_become_the_contract_exceptions(remote, status, body, error, code):
    desk, _ = await remote((status, body))
    async with desk:
        with pytest.raises(error) as raised:
            await desk.escalate("GD1", AGENT, reason="x")
    assert type(raised.value) is error and raised.value.code == code


async def test_an_undecodable_answer_is_a_bad_response(remote):
    desk, _ = await remote((200, {"number": "GD1"}))
    async with desk:
        with pytest.raises(BackendError) as raised:
            await desk.get_ticket("GD1", AGENT)
    assert raised.value.code == "bad_response" and "kind" in raised.value.message


async def test_a_refused_connection_is_unavailable_after_the_retries():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with HttpServiceDesk(f"http://127.0.0.1:{port}", "tok", retries=1, backoff_s=0.01) as desk:
        with pytest.raises(BackendUnavailable) as raised:
            await desk.ping()
    assert "GET /ping" in raised.value.message


async def test_path_segments_are_escaped(remote):
    desk, script = await remote((200, None))
    async with desk:
        assert await desk.find_binding("wechat", "o/../x y") is None
    assert script.requests[0].raw_path == "/api/v1/bindings/wechat/o%2F..%2Fx%20y"
