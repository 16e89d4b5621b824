"""Hostile input at the edge: refused with a 400 naming the field, before the database, on SQLite and PostgreSQL.

Bodies a scanner or an angry script sends: nesting thousands deep, NUL and lone surrogates inside a fault
description, integers past 64 bits, timestamps in year 1 or 9999, ids past 32 bits, two code requests at once.
"""
from __future__ import annotations

import asyncio
import re

import pytest

from tests.api.conftest import as_agent, as_bot, auth

FAULT = '{"kind":"incident","summary":"专线断了","description":%s,"urgency":"high"%s}'
DEEP = "[" * 5000 + "]" * 5000


def fault(description: str = '"从早上开始一直不通"', extra: str = "") -> bytes:
    return (FAULT % (description, extra)).encode()


@pytest.mark.parametrize("raw, field", [
    (fault(DEEP), None),
    (fault('"断了\\u0000已经两小时"'), "description"),
    (fault('"断了\\ud83d两小时"'), "description"),
    (fault(extra=', "customer_id": 9223372036854775808'), "customer_id"),
    (fault(extra=', "contact_id": 4294967296'), "contact_id"),
    (fault(extra=', "\\u0000": 1'), "<key>"),
    (fault('"x"', ', "address": 1e999'), "address"),
    (b'\xff\xfe{"kind": "incident"}', None),
])
async def test_hostile_ticket_bodies_are_400_naming_the_field_and_store_nothing(api_on, raw, field):
    response = await api_on.post("/api/v1/tickets", data=raw, headers=as_bot(**{"Idempotency-Key": "evil-1"}))
    assert response.status == 400, await response.text()
    error = await response.json()
    assert error["error"] == "bad_request" and error["field"] == field
    listed = await (await api_on.get("/api/v1/tickets", headers=as_agent())).json()
    assert listed["total"] == 0


@pytest.mark.parametrize("path, field", [
    ("/api/v1/tickets?limit=99999999999999999999999", "limit"),
    ("/api/v1/tickets?offset=-1", "offset"),
    ("/api/v1/tickets?customer_id=4294967296", "customer_id"),
    ("/api/v1/tickets?status=%00", "status"),
    ("/api/v1/tickets/GD%00", "number"),
    ("/api/v1/notices?at=9999-12-31T23:59:59-12:00", "at"),
    ("/api/v1/notices?at=0001-01-01T00:00:00%2B14:00", "at"),
    ("/api/v1/notices?region=%E5%A4%A9%00", "region"),
])
async def test_hostile_query_strings_and_paths_are_400(api_on, path, field):
    response = await api_on.get(path, headers=as_agent())
    assert response.status == 400, await response.text()
    assert (await response.json())["field"] == field


async def test_a_notice_from_year_one_is_refused_by_field(api_on):
    notice = {"kind": "planned", "title": "割接", "text": "天河区割接", "scope": {"regions": ["天河区"]},
              "starts_at": "0001-01-01T00:00:00+14:00", "ends_at": "2026-12-05T06:00:00+08:00"}
    response = await api_on.post("/api/v1/notices", json=notice, headers=as_agent())
    assert response.status == 400 and (await response.json())["field"] == "starts_at"


async def test_data_the_database_refuses_is_a_client_error_not_an_outage(api_on):
    """A circuit id longer than its column: PostgreSQL refuses the value; that is 4xx, never 503 + Retry-After."""
    body = {"kind": "incident", "summary": "专线断了", "description": "不通", "urgency": "high",
            "circuit_id": "GZ-MSTP-" + "9" * 500}
    response = await api_on.post("/api/v1/tickets", json=body, headers=as_bot(**{"Idempotency-Key": "long-1"}))
    assert response.status in (201, 422), await response.text()
    assert "Retry-After" not in response.headers


async def test_headers_that_are_not_text_are_400(api_on):
    response = await api_on.get("/api/v1/tickets", headers=auth("bot", **{"X-On-Behalf-Of-Channel": "app",
                                                                            "X-On-Behalf-Of-User": "demo\tbound"}))
    assert response.status == 400 and (await response.json())["field"] == "X-On-Behalf-Of-User"


async def test_concurrent_code_requests_are_safe_and_only_the_last_code_binds(api_on, sms_gateway):
    start = {"channel": "wechat", "user_id": "o-impatient", "customer_code": "KH44060002", "mobile": "13900139002"}
    responses = await asyncio.gather(*(api_on.post("/api/v1/verifications", json=start, headers=auth("bot"))
                                       for _ in range(4)))
    assert [r.status for r in responses] == [200] * 4
    assert all(body["sent"] for body in [await r.json() for r in responses])
    codes = [message["Body"] for message in sms_gateway.messages]
    assert len(codes) == 4
    bound = []
    for text in codes:
        code = re.search(r"(?<!\d)\d{6}(?!\d)", text).group(0)
        confirm = {"channel": "wechat", "user_id": "o-impatient", "code": code}
        response = await api_on.post("/api/v1/verifications/confirm", json=confirm, headers=auth("bot"))
        assert response.status == 200
        bound.append(await response.json())
    assert sum(item is not None for item in bound) == 1


@pytest.mark.parametrize("raw, text", [
    ('{"sender": "u1", "message": ' + DEEP + "}", "nested"),
    ('{"sender": "u1", "message": "专线断了\\u0000"}', "NUL"),
    ('{"sender": "u1\\udc00", "message": "专线断了"}', "Unicode"),
    ('{"sender": "u1", "message": "专线断了", "metadata": {"seq": 18446744073709551616}}', "range"),
])
async def test_the_app_webhook_refuses_hostile_json_with_400(api, raw, text):
    response = await api.post("/webhooks/rest/webhook", data=raw.encode())
    assert response.status == 400, await response.text()
    assert text in (await response.json())["detail"]
