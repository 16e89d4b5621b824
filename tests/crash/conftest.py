"""Crash fixtures: a fresh PostgreSQL database, a Redis prefix, the fake WeChat API and the processes' settings."""
from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis

from tests.conftest import fresh_postgres
from nlu.builtin import BuiltinInterpreter
from tests.support import require_redis, shipped_config
from tests.wechat.server import AES_KEY, APP_ID, APP_SECRET, TOKEN

REDIS_URL = "redis://127.0.0.1:6379/15"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here kills processes: `-m crash` selects them, `-m "not crash"` leaves them out."""
    for item in items:
        if "tests/crash/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.crash)


@pytest.fixture
async def redis() -> Redis:
    require_redis()
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
def trained_model_dir(model_dir):
    """The NLU model trained once here, so processes started together only load it (never train it twice)."""
    nlu = shipped_config(FRONTDOOR_NLU__MODEL_DIR=str(model_dir)).nlu
    BuiltinInterpreter.load_or_train(nlu.data_dir, nlu.model_dir, threshold=nlu.threshold,
                                     ambiguity_margin=nlu.ambiguity_margin, timezone="Asia/Shanghai", seed=nlu.seed)
    return model_dir


@pytest.fixture
async def cluster_env(fake_api, trained_model_dir, redis) -> dict[str, str]:
    """FRONTDOOR_* settings of every process: PostgreSQL, Redis conversations and claims, WeChat in safe mode."""
    async with fresh_postgres() as url:
        yield {"FRONTDOOR_STORAGE__URL": url, "FRONTDOOR_NLU__MODEL_DIR": str(trained_model_dir),
               "FRONTDOOR_REDIS__URL": REDIS_URL, "FRONTDOOR_REDIS__KEY_PREFIX": f"fdcrash:{uuid.uuid4().hex[:8]}:",
               "FRONTDOOR_CONVERSATIONS__BACKEND": "redis",
               "FRONTDOOR_CHANNELS__WECHAT__ENABLED": "true", "FRONTDOOR_CHANNELS__WECHAT__TOKEN": TOKEN,
               "FRONTDOOR_CHANNELS__WECHAT__APP_ID": APP_ID, "FRONTDOOR_CHANNELS__WECHAT__APP_SECRET": APP_SECRET,
               "FRONTDOOR_CHANNELS__WECHAT__ENCODING_AES_KEY": AES_KEY, "FRONTDOOR_CHANNELS__WECHAT__MODE": "safe",
               "FRONTDOOR_CHANNELS__WECHAT__API_BASE_URL": fake_api.base_url,
               "FRONTDOOR_CHANNELS__WECHAT__DEADLINE_S": "4.8", "FRONTDOOR_DIALOGUE__BIND_FIRST_CHANNELS": "",
               "FRONTDOOR_JOBS__SLA_INTERVAL_S": "0", "FRONTDOOR_JOBS__DELIVERY_INTERVAL_S": "0",
               "FRONTDOOR_STORAGE__SEED_DEMO": "false", "FRONTDOOR_LOGGING__LEVEL": "INFO"}
