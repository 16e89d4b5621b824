"""WeChat fixtures: the fake API on loopback and the real app configured to use it."""
from __future__ import annotations

import uuid

import pytest

from bot.app import create_app
from tests.support import require_redis
from tests.wechat.server import AES_KEY, APP_ID, APP_SECRET, TOKEN, WeChatServer

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def wechat_config(app_config, fake_api):
    """Factory: the WeChat channel enabled against the fake API (transport tests: no binding offer first)."""

    def make(**overrides: str):
        env = {"FRONTDOOR_CHANNELS__WECHAT__ENABLED": "true", "FRONTDOOR_CHANNELS__WECHAT__TOKEN": TOKEN,
               "FRONTDOOR_CHANNELS__WECHAT__APP_ID": APP_ID, "FRONTDOOR_CHANNELS__WECHAT__APP_SECRET": APP_SECRET,
               "FRONTDOOR_CHANNELS__WECHAT__ENCODING_AES_KEY": AES_KEY, "FRONTDOOR_CHANNELS__WECHAT__MODE": "compatible",
               "FRONTDOOR_CHANNELS__WECHAT__API_BASE_URL": fake_api.base_url,
               "FRONTDOOR_CHANNELS__WECHAT__DEADLINE_S": "4.8", "FRONTDOOR_DIALOGUE__BIND_FIRST_CHANNELS": "",
               **overrides}
        return app_config(**env)

    return make


@pytest.fixture
def redis_overrides():
    """Env overrides putting conversations, claims, windows and the token in Redis DB 15 under a fresh prefix."""
    require_redis()
    return {"FRONTDOOR_REDIS__URL": REDIS_URL, "FRONTDOOR_CONVERSATIONS__BACKEND": "redis",
            "FRONTDOOR_REDIS__KEY_PREFIX": f"fdtest:{uuid.uuid4().hex[:8]}:"}


@pytest.fixture
async def wechat(aiohttp_client, wechat_config):
    """The real app with the WeChat channel, driven like the WeChat server."""
    return WeChatServer(await aiohttp_client(create_app(wechat_config())))
