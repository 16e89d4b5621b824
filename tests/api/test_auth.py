"""Bearer tokens and scopes: 401 without a valid token, 403 outside the token's scopes, 404 when the API is off."""
from __future__ import annotations

import pytest

from bot.app import create_app
from tests.api.conftest import BOUND, TOKENS, as_agent, as_bot, auth


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token-0123456789"},
    {"Authorization": f"Basic {TOKENS['agent']}"},
    {"Authorization": "Bearer "},
    {"Authorization": TOKENS["agent"]},
])
async def test_no_or_bad_token_is_401_with_a_bearer_challenge(api, headers):
    response = await api.get("/api/v1/tickets", headers={**headers, "X-Actor-Id": "a"})
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await response.json())["error"] == "unauthorized"


async def test_without_any_token_configured_the_api_does_not_exist(aiohttp_client, app_config):
    client = await aiohttp_client(create_app(app_config(FRONTDOOR_API__TOKENS__BOT__SCOPES="bot")))
    for path in ("/api/v1/openapi.json", "/api/v1/tickets", "/api/v1/ping"):
        response = await client.get(path, headers=auth("bot"))
        assert response.status == 404, path
    assert (await client.get("/healthz")).status == 200


@pytest.mark.parametrize("scope, method, path, allowed", [
    ("bot", "POST", "/api/v1/jobs/sla", False),
    ("agent", "POST", "/api/v1/jobs/sla", False),
    ("admin", "POST", "/api/v1/jobs/sla", True),
    ("bot", "POST", "/api/v1/notices/NT1/publish", False),
    ("agent", "POST", "/api/v1/notices/NT1/publish", False),
    ("bot", "POST", "/api/v1/problems", False),
    ("bot", "POST", "/api/v1/tickets/GD1/priority", False),
    ("bot", "POST", "/api/v1/tickets/GD1/reassign", False),
    ("agent", "POST", "/api/v1/outbox/claim", False),
    ("bot", "POST", "/api/v1/outbox/claim", False),
    ("delivery", "POST", "/api/v1/outbox/claim", True),
    ("agent", "POST", "/api/v1/verifications", False),
    ("agent", "GET", "/api/v1/surveys/pending", False),
    ("bot", "GET", "/api/v1/ping", True),
    ("agent", "GET", "/api/v1/ping", True),
])
async def test_each_route_admits_only_its_scopes(api, scope, method, path, allowed):
    response = await api.request(method, path, json={}, headers=auth(scope, **{"X-Actor-Id": "p"}))
    body = await response.text()
    if allowed:
        assert response.status not in (401, 403), body
    else:
        assert response.status == 403 and "insufficient_scope" in body and "admin" in body


async def test_a_bot_token_acts_only_on_behalf_of_a_customer(api):
    alone = await api.get("/api/v1/tickets", headers=auth("bot", **{"X-Actor-Id": "bot"}))
    assert alone.status == 403 and "X-On-Behalf-Of" in (await alone.json())["detail"]
    posing = await api.get("/api/v1/tickets", headers=auth("bot", **{"X-Actor-Id": "x", "X-Actor-Role": "agent"}))
    assert posing.status == 403
    half = await api.get("/api/v1/tickets", headers=auth("bot", **{"X-On-Behalf-Of-Channel": "app"}))
    assert half.status == 400 and (await half.json())["field"] == "X-On-Behalf-Of-User"
    assert (await api.get("/api/v1/tickets", headers=as_bot())).status == 200


async def test_staff_need_an_actor_id_and_may_not_claim_a_higher_role(api):
    anonymous = await api.get("/api/v1/tickets", headers=auth("agent"))
    assert anonymous.status == 400 and (await anonymous.json())["field"] == "X-Actor-Id"
    promoted = await api.get("/api/v1/tickets", headers=as_agent(**{"X-Actor-Role": "admin"}))
    assert promoted.status == 403
    bogus = await api.get("/api/v1/tickets", headers=as_agent(**{"X-Actor-Role": "boss"}))
    assert bogus.status == 400 and (await bogus.json())["field"] == "X-Actor-Role"
    customer = await api.get("/api/v1/tickets", headers=as_agent(**{"X-Actor-Role": "contact"}))
    assert customer.status == 403
    acting_for_customer = await api.get("/api/v1/tickets", headers=auth("agent", **BOUND))
    assert acting_for_customer.status == 403


async def test_the_actor_is_recorded_in_the_history(api, open_ticket):
    ticket = await open_ticket("m-actor-1")
    moved = await api.post(f"/api/v1/tickets/{ticket['number']}/transition", json={"status": "in_progress"},
                           headers=as_agent(**{"X-Actor-Channel": "agent_desk"}))
    assert moved.status == 200
    events = (await (await api.get(f"/api/v1/tickets/{ticket['number']}/events", headers=as_agent())).json())["items"]
    assert (events[0]["actor"], events[0]["channel"]) == ("app:demo-bound", "app")
    assert (events[-1]["actor"], events[-1]["channel"]) == ("agent-7", "agent_desk")
