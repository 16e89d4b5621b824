"""The composition root: remote-desk mode stays remote, jobs outlive their failures, readiness names a stuck job."""
from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator

import pytest
from aiohttp import web

from backend_client.http import HttpServiceDesk
from bot.app import create_app
from bot.cli import main
from bot.jobs import JOBS, app_job, repeating
from bot.keys import COMPONENTS
from tests.api.conftest import TOKENS, token_env
from tests.support import ROOT


async def test_a_job_that_raises_keeps_running_and_is_logged(caplog):
    calls: list[int] = []

    async def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("a bug in the first pass")

    registry: dict = {}
    with caplog.at_level(logging.ERROR, logger="bot.jobs"):
        async with repeating("flaky", flaky, 0.01, registry):
            for _ in range(500):
                if len(calls) >= 3:
                    break
                await asyncio.sleep(0.01)
            passes = registry["flaky"].passes
    assert len(calls) >= 3 and passes >= 2
    assert "jobs.flaky.crashed" in caplog.text and "KeyError" in caplog.text
    assert "flaky" not in registry  # unregistered at shutdown


async def test_readyz_names_a_job_that_never_completes(aiohttp_client, app_config):
    async def broken() -> None:
        raise RuntimeError("the outbox table is gone")

    async def stuck_job(app: web.Application) -> AsyncIterator[None]:
        async with app_job(app, "outbox", broken, 0.02):
            yield

    app = create_app(app_config(FRONTDOOR_JOBS__SLA_INTERVAL_S="3600"))
    app.cleanup_ctx.append(stuck_job)
    client = await aiohttp_client(app)
    for _ in range(200):
        response = await client.get("/readyz")
        if response.status == 503:
            break
        await asyncio.sleep(0.02)
    body = await response.json()
    assert response.status == 503 and body["checks"]["jobs"] == "stale: outbox"
    assert body["checks"]["database"] == "ok"


async def test_readyz_is_ready_while_the_jobs_keep_pace(aiohttp_client, app_config):
    client = await aiohttp_client(create_app(app_config(FRONTDOOR_JOBS__SLA_INTERVAL_S="3600")))
    response = await client.get("/readyz")
    assert response.status == 200 and (await response.json())["checks"]["jobs"] == "ok"
    assert "sla" in client.app[JOBS]


async def test_remote_desk_mode_opens_no_database_and_runs_no_sla_job(aiohttp_client, aiohttp_server, app_config,
                                                                      tmp_path):
    desk_server = await aiohttp_server(create_app(app_config(**token_env())))
    bot_db = tmp_path / "bot-side.db"
    bot = await aiohttp_client(create_app(app_config(
        FRONTDOOR_STORAGE__URL=f"sqlite+aiosqlite:///{bot_db}", FRONTDOOR_JOBS__SLA_INTERVAL_S="0.01",
        FRONTDOOR_SERVICEDESK__BACKEND="http", FRONTDOOR_SERVICEDESK__URL=str(desk_server.make_url("/")),
        FRONTDOOR_SERVICEDESK__TOKEN=TOKENS["bot"])))
    response = await bot.post("/webhooks/rest/webhook", json={"sender": "remote-1", "message": "你好"})
    assert response.status == 200 and await response.json()
    assert isinstance(bot.app[COMPONENTS].desk, HttpServiceDesk) and bot.app[COMPONENTS].db is None
    assert "sla" not in bot.app[JOBS]
    assert not bot_db.exists()


@pytest.mark.parametrize(("env", "key"), [
    ({"FRONTDOOR_SERVICEDESK__BACKEND": "http"}, "url and token"),
    ({"FRONTDOOR_CONVERSATIONS__BACKEND": "redis", "FRONTDOOR_REDIS__URL": ""}, "redis.url"),
    ({"FRONTDOOR_SERVICEDESK__BACKEND": "http", "FRONTDOOR_SERVICEDESK__URL": "http://desk:8080",
      "FRONTDOOR_SERVICEDESK__TOKEN": "a-bot-token-from-the-desk", **token_env()}, "api.tokens"),
    ({"FRONTDOOR_SERVICEDESK__BACKEND": "http", "FRONTDOOR_SERVICEDESK__URL": "http://desk:8080",
      "FRONTDOOR_SERVICEDESK__TOKEN": "a-bot-token-from-the-desk", "FRONTDOOR_KB__SEED": "true"}, "kb.seed"),
])
def test_check_config_refuses_impossible_combinations(env, key, monkeypatch, capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["--config", str(ROOT / "config.yaml"), "check-config"]) == 2
    assert key in capsys.readouterr().err


def test_check_config_says_a_remote_desk_needs_no_local_database(monkeypatch, capsys):
    monkeypatch.setenv("FRONTDOOR_SERVICEDESK__BACKEND", "http")
    monkeypatch.setenv("FRONTDOOR_SERVICEDESK__URL", "http://desk.example:8080")
    monkeypatch.setenv("FRONTDOOR_SERVICEDESK__TOKEN", "a-bot-token-from-the-desk")
    assert main(["--config", str(ROOT / "config.yaml"), "check-config"]) == 0
    assert "http://desk.example:8080 (remote desk: no local database" in capsys.readouterr().out
