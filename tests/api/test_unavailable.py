"""A database outage is a 503 with the API's JSON error and a Retry-After, never a traceback."""
from __future__ import annotations

import pytest

from bot.app import create_app
from tests.api.conftest import as_agent, as_bot, token_env


@pytest.fixture
async def api_without_database(aiohttp_client, app_config):
    config = app_config(FRONTDOOR_STORAGE__URL="postgresql+asyncpg://postgres@127.0.0.1:9/none",
                        FRONTDOOR_STORAGE__MIGRATE_ON_START="false", FRONTDOOR_STORAGE__SEED_DEMO="false",
                        **token_env())
    return await aiohttp_client(create_app(config))


@pytest.mark.parametrize("method, path, headers, body", [
    ("GET", "/api/v1/tickets", as_agent(), None),
    ("GET", "/api/v1/tickets", as_bot(), None),
    ("GET", "/api/v1/ping", as_agent(), None),
    ("POST", "/api/v1/tickets", as_bot(**{"Idempotency-Key": "k1"}),
     {"kind": "incident", "summary": "x", "description": "x", "urgency": "high"}),
    ("GET", "/api/v1/notices?region=天河区", as_bot(), None),
])
async def test_database_down_is_503_json(api_without_database, method, path, headers, body):
    response = await api_without_database.request(method, path, json=body, headers=headers)
    assert response.status == 503
    assert response.headers["Retry-After"].isdigit()
    error = await response.json()
    assert error["error"] == "unavailable" and "Traceback" not in error["detail"]
