"""Tickets over HTTP: idempotent creation, the bot's customer comes from the binding, JSON errors, paging."""
from __future__ import annotations

import pytest

from tests.api.conftest import as_agent, as_bot, auth


async def test_a_repeated_request_with_one_idempotency_key_opens_one_ticket(api, open_ticket):
    first = await open_ticket("wx-msg-77")
    again = await open_ticket("wx-msg-77")
    assert again["number"] == first["number"]
    page = await (await api.get("/api/v1/tickets", headers=as_bot())).json()
    assert page["total"] == 1


async def test_the_account_comes_from_the_binding_not_from_the_bot(api, open_ticket):
    ticket = await open_ticket("m-1")
    customer = await (await api.get("/api/v1/customers/KH44010001", headers=as_agent())).json()
    assert ticket["customer_id"] == customer["id"]
    assert ticket["reporter"] == {"channel": "app", "user_id": "demo-bound"}
    claim = {"kind": "incident", "summary": "x", "description": "x", "urgency": "high",
             "customer_id": customer["id"] + 1}
    response = await api.post("/api/v1/tickets", json=claim, headers=as_bot(**{"Idempotency-Key": "m-2"}))
    assert response.status == 403 and (await response.json())["error"] == "forbidden"
    assert (await (await api.get("/api/v1/tickets", headers=as_bot())).json())["total"] == 1


async def test_an_unbound_user_cannot_claim_an_account(api):
    body = {"kind": "incident", "summary": "x", "description": "x", "urgency": "high", "customer_id": 1}
    headers = auth("bot", **{"X-On-Behalf-Of-Channel": "wechat", "X-On-Behalf-Of-User": "o-stranger",
                             "Idempotency-Key": "m-3"})
    assert (await api.post("/api/v1/tickets", json=body, headers=headers)).status == 403


@pytest.mark.parametrize("body, headers, field, text", [
    (b"{not json", {"Idempotency-Key": "k"}, None, "not valid JSON"),
    (b"[1]", {"Idempotency-Key": "k"}, None, "JSON object"),
    (b'{"kind": "incident", "summary": "x", "description": "x", "urgency": "high"}', {}, "Idempotency-Key",
     "required"),
    (b'{"kind": "fault", "summary": "x", "description": "x", "urgency": "high"}', {"Idempotency-Key": "k"},
     "kind", "one of"),
    (b'{"kind": "incident", "description": "x", "urgency": "high"}', {"Idempotency-Key": "k"}, "summary",
     "required"),
    (b'{"kind": "incident", "summary": 5, "description": "x", "urgency": "high"}', {"Idempotency-Key": "k"},
     "summary", "string"),
    (b'{"kind": "incident", "summary": "x", "description": "x", "urgency": "high", "colour": 1}',
     {"Idempotency-Key": "k"}, "colour", "not a known field"),
    (b'{"kind": "incident", "summary": "x", "description": "x", "urgency": "high", "idempotency_key": "k"}',
     {"Idempotency-Key": "k"}, "idempotency_key", "header"),
])
async def test_a_malformed_ticket_request_is_400_naming_the_field(api, body, headers, field, text):
    response = await api.post("/api/v1/tickets", data=body, headers=as_bot(**headers))
    assert response.status == 400
    error = await response.json()
    assert error["error"] == "bad_request" and error["field"] == field and text in error["detail"]
    assert (await (await api.get("/api/v1/tickets", headers=as_bot())).json())["total"] == 0


async def test_desk_errors_keep_their_status_and_code(api, open_ticket):
    number = (await open_ticket("m-4"))["number"]
    missing = await api.get("/api/v1/tickets/GD209901010001", headers=as_agent())
    assert missing.status == 404 and (await missing.json())["error"] == "not_found"
    closing = await api.post(f"/api/v1/tickets/{number}/transition", json={"status": "closed"}, headers=as_agent())
    assert closing.status == 409
    assert (await closing.json())["error"] == "transition.close_requires_resolved"
    stale = await api.post(f"/api/v1/tickets/{number}/transition", json={"status": "in_progress",
                                                                         "expected_version": 99},
                           headers=as_agent())
    assert stale.status == 409 and (await stale.json())["error"].startswith("version.")
    bad_priority = await api.post(f"/api/v1/tickets/{number}/priority", json={"priority": "P9"}, headers=as_agent())
    assert bad_priority.status == 422 and (await bad_priority.json())["error"] == "invalid"
    bad_status = await api.post(f"/api/v1/tickets/{number}/transition", json={"status": 3}, headers=as_agent())
    assert bad_status.status == 400 and (await bad_status.json())["field"] == "status"
    wrong_method = await api.delete(f"/api/v1/tickets/{number}", headers=as_agent())
    assert wrong_method.status == 405 and (await wrong_method.json())["error"] == "method_not_allowed"
    nowhere = await api.get("/api/v1/tickets/x/y/z", headers=as_agent())
    assert nowhere.status == 404 and nowhere.content_type == "application/json"


async def test_another_accounts_ticket_is_403_and_unchanged(api, open_ticket):
    number = (await open_ticket("m-5"))["number"]
    stranger = auth("bot", **{"X-On-Behalf-Of-Channel": "app", "X-On-Behalf-Of-User": "someone-else"})
    assert (await api.get(f"/api/v1/tickets/{number}", headers=stranger)).status == 403
    refused = await api.post(f"/api/v1/tickets/{number}/transition", json={"status": "closed"}, headers=stranger)
    assert refused.status == 403 and (await refused.json())["error"] == "forbidden"
    ticket = await (await api.get(f"/api/v1/tickets/{number}", headers=as_bot())).json()
    assert ticket["version"] == 1


async def test_pages_of_tickets(api, open_ticket):
    numbers = [(await open_ticket(f"p-{i}"))["number"] for i in range(3)]
    first = await (await api.get("/api/v1/tickets?limit=2", headers=as_bot())).json()
    second = await (await api.get("/api/v1/tickets?limit=2&offset=2", headers=as_bot())).json()
    assert (first["total"], first["offset"], first["limit"]) == (3, 0, 2)
    assert [t["number"] for t in first["items"] + second["items"]] == numbers[::-1]
    filtered = await (await api.get("/api/v1/tickets?status=resolved", headers=as_bot())).json()
    assert filtered["items"] == [] and filtered["total"] == 0


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"), ("offset=-1", "offset"),
    ("status=lost", "status"), ("customer_id=0", "customer_id"),
])
async def test_bad_paging_parameters_are_400_naming_them(api, query, field):
    response = await api.get(f"/api/v1/tickets?{query}", headers=as_agent())
    assert response.status == 400 and (await response.json())["field"] == field


async def test_notices_affecting_rejects_a_timestamp_without_offset(api):
    response = await api.get("/api/v1/notices?region=天河区&at=2026-11-23T10:00:00", headers=as_bot())
    assert response.status == 400 and (await response.json())["field"] == "at"
    ok = await api.get("/api/v1/notices?region=天河区&at=2026-11-23T10:00:00%2B08:00", headers=as_bot())
    assert ok.status == 200 and (await ok.json()) == {"items": []}
