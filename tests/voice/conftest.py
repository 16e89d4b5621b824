"""The front door with the hotline enabled, served over loopback; a phone that signs as Twilio does."""
from __future__ import annotations

import pytest

from bot.app import create_app
from tests.voice.phone import AUTH_TOKEN, PUBLIC_URL, Phone


@pytest.fixture
def voice_config(app_config):
    def make(**overrides: str):
        return app_config(FRONTDOOR_CHANNELS__VOICE__ENABLED="true",
                          FRONTDOOR_CHANNELS__VOICE__AUTH_TOKEN=AUTH_TOKEN,
                          FRONTDOOR_CHANNELS__VOICE__PUBLIC_URL=PUBLIC_URL, **overrides)
    return make


@pytest.fixture
async def client(aiohttp_client, voice_config):
    return await aiohttp_client(create_app(voice_config()))


@pytest.fixture
def phone(client):
    def make(**kwargs) -> Phone:
        return Phone(client, **kwargs)
    return make
