"""Hostile input at the edge: refused with a 400 naming the field, before the database, on SQLite and PostgreSQL.

Bodies a scanner or an angry script sends: nesting thousands deep, NUL and lone surrogates inside a fault
description, integers past 64 bits, timestamps in year 1 or 9999, ids past 32 bits, two code requests at once.
One front door per database serves all the cases (starting one is the slow part).
"""
from __future__ import annotations

import asyncio
import re

from tests.api.conftest import as_agent, as_bot, auth

FAULT = '{"kind":"incident","summary":"专线断了","description":%s,"urgency":"high"%s}'
DEEP = "[" * 5000 + "]" * 5000


def fault(description: str = '"从早上开始一直不通"', extra: str = "") -> bytes:
    return (FAULT % (description, extra)).encode()


HOSTILE_BODIES = [
    (fault(DEEP), None),
    (fault('"断了\\u0000已经两小时"'), "description"),
    (fault('"断了\\ud83d两小时"'), "description"),
    (fault(extra=', "customer_id": 9223372036854775808'), "customer_id"),
    (fault(extra=', "contact_id": 4294967296'), "contact_id"),
    (fault(extra=', "\\u0000": 1'), "<key>"),
    (fault('"x"', ', "address": 1e999'), "address"),
    (b'\xff\xfe{"kind": "incident"}', None),
]
HOSTILE_URLS = [
    ("/api/v1/tickets?limit=99999999999999999999999", "limit"),
    ("/api/v1/tickets?offset=-1", "offset"),
    ("/api/v1/tickets?customer_id=4294967296", "customer_id"),
    ("/api/v1/tickets?status=%00", "status"),
    ("/api/v1/tickets/GD%00", "number"),
    ("/api/v1/notices?at=9999-12-31T23:59:59-12:00", "at"),
    ("/api/v1/notices?at=0001-01-01T00:00:00%2B14:00", "at"),
    ("/api/v1/notices?region=%E5%A4%A9%00", "region"),
]
YEAR_ONE = {"kind": "planned", "title": "割接", "text": "天河区割接", "scope": {"regions": ["天河区"]},
            "starts_at": "0001-01-01T00:00:00+14:00", "ends_at": "2026-12-05T06:00:00+08:00"}


async def test_hostile_requests_are_400_naming_the_field_and_store_nothing(api_on):
    for raw, field in HOSTILE_BODIES:
        response = await api_on.post("/api/v1/tickets", data=raw, headers=as_bot(**{"Idempotency-Key": "evil-1"}))
        assert response.status == 400, (raw[:80], await response.text())
        error = await response.json()
        assert (error["error"], error["field"]) == ("bad_request", field), raw[:80]
    for path, field in HOSTILE_URLS:
        response = await api_on.get(path, headers=as_agent())
        assert response.status == 400, (path, await response.text())
        assert (await response.json())["field"] == field, path
    for field, huge in (("customer_id", 9223372036854775808), ("contact_id", 4294967296)):
        complaint = {"reporter": {"channel": "app", "user_id": "u1"}, "about": "ticket", "text": "师傅态度差",
                     field: huge}
        response = await api_on.post("/api/v1/complaints", json=complaint,
                                     headers=as_agent(**{"Idempotency-Key": field}))
        assert response.status == 400 and (await response.json())["field"] == field, await response.text()
    notice = await api_on.post("/api/v1/notices", json=YEAR_ONE, headers=as_agent())
    assert notice.status == 400 and (await notice.json())["field"] == "starts_at"
    tabbed = await api_on.get("/api/v1/tickets", headers=auth("bot", **{"X-On-Behalf-Of-Channel": "app",
                                                                         "X-On-Behalf-Of-User": "demo\tbound"}))
    assert tabbed.status == 400 and (await tabbed.json())["field"] == "X-On-Behalf-Of-User"
    listed = await (await api_on.get("/api/v1/tickets", headers=as_agent())).json()
    assert listed["total"] == 0
    # a circuit id longer than its column: PostgreSQL refuses the value; a client error, never 503 + Retry-After
    long = {"kind": "incident", "summary": "专线断了", "description": "不通", "urgency": "high",
            "circuit_id": "GZ-MSTP-" + "9" * 500}
    response = await api_on.post("/api/v1/tickets", json=long, headers=as_bot(**{"Idempotency-Key": "long-1"}))
    assert response.status in (201, 422), await response.text()
    assert "Retry-After" not in response.headers


async def test_concurrent_code_requests_are_safe_only_the_last_code_binds_then_the_limit_holds(api_on, sms_gateway):
    start = {"channel": "wechat", "user_id": "o-impatient", "customer_code": "KH44060002", "mobile": "13900139002"}
    responses = await asyncio.gather(*(api_on.post("/api/v1/verifications", json=start, headers=auth("bot"))
                                       for _ in range(4)))
    assert [r.status for r in responses] == [200] * 4
    assert all(body["sent"] for body in [await r.json() for r in responses])
    codes = [re.search(r"(?<!\d)\d{6}(?!\d)", message["Body"]).group(0) for message in sms_gateway.messages]
    assert len(codes) == 4
    bound = []
    for code in codes:
        confirm = {"channel": "wechat", "user_id": "o-impatient", "code": code}
        response = await api_on.post("/api/v1/verifications/confirm", json=confirm, headers=auth("bot"))
        assert response.status == 200
        bound.append(await response.json())
    assert sum(item is not None for item in bound) == 1
    assert (await api_on.post("/api/v1/verifications", json=start, headers=auth("bot"))).status == 200
    limited = await api_on.post("/api/v1/verifications", json=start, headers=auth("bot"))
    assert limited.status == 409 and (await limited.json())["error"] == "otp.rate_limited"


async def test_the_app_webhook_refuses_hostile_json_with_400(api):
    cases = [('{"sender": "u1", "message": ' + DEEP + "}", "nested"),
             ('{"sender": "u1", "message": "专线断了\\u0000"}', "NUL"),
             ('{"sender": "u1\\udc00", "message": "专线断了"}', "Unicode"),
             ('{"sender": "u1", "message": "专线断了", "metadata": {"seq": 18446744073709551616}}', "range")]
    for raw, text in cases:
        response = await api.post("/webhooks/rest/webhook", data=raw.encode())
        assert response.status == 400, await response.text()
        assert text in (await response.json())["detail"]
