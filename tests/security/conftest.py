"""Hostile-caller tests over loopback: the real app and API, on SQLite and (when it runs) PostgreSQL."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from tests import fake_twilio
from tests.api.conftest import api, token_env  # noqa: F401  (the API on SQLite, as in tests/api)
from tests.fake_twilio import FakeTwilio


@pytest.fixture
async def sms_gateway(aiohttp_server) -> FakeTwilio:
    """Where the front door sends its one-time codes."""
    return await fake_twilio.start(aiohttp_server)


@pytest.fixture
async def api_on(aiohttp_client, app_config, database_url: str, sms_gateway: FakeTwilio) -> TestClient:
    """The API on each database (SQLite, PostgreSQL), codes going to the fake SMS gateway."""
    config = app_config(FRONTDOOR_STORAGE__URL=database_url, **token_env(), **sms_gateway.env())
    return await aiohttp_client(create_app(config))
