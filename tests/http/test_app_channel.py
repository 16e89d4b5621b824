"""The app chat webhook and health routes, over loopback against the real aiohttp application."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from bot.app import create_app
from bot.keys import COMPONENTS
from tests.support import require_redis

WEBHOOK = "/webhooks/rest/webhook"


@pytest.fixture
async def client(aiohttp_client, app_config):
    return await aiohttp_client(create_app(app_config()))


async def chat(client, sender: str, message: str) -> list[dict]:
    response = await client.post(WEBHOOK, json={"sender": sender, "message": message})
    assert response.status == 200, await response.text()
    return await response.json()


async def test_fault_report_then_status_query_over_http(client):
    first = await chat(client, "u1", "你好，我们公司专线断了")
    assert first[0]["recipient_id"] == "u1"
    assert "电路" in first[0]["text"]
    await chat(client, "u1", "电路编号是GZ-MSTP-000123")
    confirm = await chat(client, "u1", "13800138000")
    assert "138****8000" in confirm[0]["text"]
    assert [b["payload"] for b in confirm[0]["buttons"]] == ["/affirm", "/deny", "/cancel"]
    opened = await chat(client, "u1", "确认")
    number = re.search(r"GD\d{12}", opened[0]["text"]).group(0)
    status = await chat(client, "u1", f"查一下工单 {number}")
    assert number in status[0]["text"] and "已派单" in status[0]["text"]


async def test_button_payload_from_a_rasa_widget_is_understood(client):
    replies = await chat(client, "u2", "/report_fault")
    assert any(b["payload"].startswith("/provide_info") for b in replies[0]["buttons"])


@pytest.mark.parametrize("body, problem", [
    (b"not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (json.dumps({"message": "你好"}).encode(), "'sender'"),
    (json.dumps({"sender": "u3"}).encode(), "'message'"),
    (json.dumps({"sender": 7, "message": "你好"}).encode(), "'sender'"),
    (json.dumps({"sender": "u3", "message": ["你好"]}).encode(), "'message' must be a string"),
    (json.dumps({"sender": "u3", "message": "   "}).encode(), "empty"),
    (json.dumps({"sender": "u3", "message": "长" * 2001}).encode(), "longer than 2000"),
    (json.dumps({"sender": "u3", "message": "你好", "metadata": "x"}).encode(), "'metadata'"),
])
async def test_bad_requests_get_400_naming_the_problem_and_store_nothing(client, body, problem):
    response = await client.post(WEBHOOK, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    error = await response.json()
    assert error["error"] == "bad_request" and problem in error["detail"]
    assert await client.app[COMPONENTS].store.load("app:u3") is None


async def test_oversized_body_is_refused_with_413(client):
    response = await client.post(WEBHOOK, data=b"{" + b" " * 70_000 + b"}")
    assert response.status == 413


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["checks"] == {"database": "ok", "conversations": "ok", "jobs": "ok"}


async def test_database_down_fails_readiness_and_apologises_in_chinese(aiohttp_client, app_config):
    config = app_config(FRONTDOOR_STORAGE__URL="postgresql+asyncpg://postgres@127.0.0.1:9/none",
                        FRONTDOOR_STORAGE__MIGRATE_ON_START="false", FRONTDOOR_STORAGE__SEED_DEMO="false")
    client = await aiohttp_client(create_app(config))
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert (await ready.json())["checks"]["database"].startswith("error")
    response = await client.post(WEBHOOK, json={"sender": "u4", "message": "我们专线断了"})
    assert response.status == 503
    body = await response.json()
    assert "非常抱歉" in body[0]["text"] and "Traceback" not in await response.text()


async def test_two_servers_sharing_redis_continue_one_conversation(aiohttp_client, app_config):
    require_redis()
    overrides = {"FRONTDOOR_CONVERSATIONS__BACKEND": "redis", "FRONTDOOR_REDIS__URL": "redis://127.0.0.1:6379/15",
                 "FRONTDOOR_REDIS__KEY_PREFIX": f"fdtest:{uuid.uuid4().hex[:8]}:"}
    first = await aiohttp_client(create_app(app_config(**overrides)))
    second = await aiohttp_client(create_app(app_config(**overrides)))
    await chat(first, "u5", "我们专线断了")
    asked_phone = await chat(second, "u5", "GZ-MSTP-000123")
    assert "手机号码" in asked_phone[0]["text"]
    assert (await (await second.get("/readyz")).json())["checks"]["conversations"] == "ok"
