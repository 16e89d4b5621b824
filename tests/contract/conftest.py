"""The ServiceDesk under contract: the local desk and the HTTP client over the real app, on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import AsyncIterator

import pytest

from backend_client import Actor, ContactBinding, Reporter, ServiceDesk
from backend_client.http import HttpServiceDesk
from bot.app import create_app
from tests import fake_twilio
from tests.conftest import seeded_desk
from tests.fake_twilio import FakeTwilio

TOKEN = "contract-token-0123456789"


@pytest.fixture
async def sms_gateway(aiohttp_server) -> FakeTwilio:
    """Where both desks send their one-time codes (codes never reach the log)."""
    return await fake_twilio.start(aiohttp_server)


@pytest.fixture(params=["local", "http"])
async def desk(request: pytest.FixtureRequest, database_url: str, app_config, aiohttp_server, sms_gateway: FakeTwilio
               ) -> AsyncIterator[ServiceDesk]:
    """Each contract test runs on SqlServiceDesk and on HttpServiceDesk → REST API → SqlServiceDesk (the front door
    behind the API also imports the shipped articles: knowledge tests bring their own)."""
    if request.param == "local":
        async with seeded_desk(database_url, otp_sender=sms_gateway.sender()) as local:
            yield local
        return
    config = app_config(FRONTDOOR_STORAGE__URL=database_url, FRONTDOOR_STORAGE__SEED_DEMO="true",
                        FRONTDOOR_API__TOKENS__CONTRACT__SCOPES="bot,agent,admin",
                        FRONTDOOR_API__TOKENS__CONTRACT__TOKEN=TOKEN, **sms_gateway.env())
    server = await aiohttp_server(create_app(config))
    async with HttpServiceDesk(str(server.make_url("/")), TOKEN, retries=0) as remote:
        yield remote


@pytest.fixture
def bind(desk: ServiceDesk, sms_gateway: FakeTwilio):
    """Factory: verify a channel identity as a contact through the contract (the code is read from the SMS gateway)."""

    async def verify(user_id: str, customer_code: str, mobile: str, channel: str = "app") -> Actor:
        assert await desk.start_verification(channel, user_id, customer_code, mobile)
        code = sms_gateway.last_code()
        binding = await desk.confirm_verification(channel, user_id, code)
        assert isinstance(binding, ContactBinding) and binding.customer_code == customer_code
        return Actor.customer(Reporter(channel, user_id), binding)

    return verify
