"""Shared fixtures: configs, databases (SQLite always, PostgreSQL and Redis when reachable or in CI)."""
from __future__ import annotations

import os
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from servicedesk import database
from servicedesk.seed import seed
from servicedesk.service import SqlServiceDesk
from tests.support import demo_policy, require_postgres, shipped_config

PG_ADMIN_URL = os.environ.get("FRONTDOOR_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file."""
    return f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A new PostgreSQL database, dropped afterwards."""
    require_postgres()
    name = f"fd_test_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database."""
    async with fresh_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
        return
    async with fresh_postgres() as url:
        yield url


@asynccontextmanager
async def seeded_desk(url: str, **options: Any) -> AsyncIterator[SqlServiceDesk]:
    """A migrated local desk with the demo accounts, on the database at ``url`` (options: clock, otp_sender)."""
    engine = database.open_engine(url)
    await database.upgrade(engine)
    await seed(engine)
    try:
        yield SqlServiceDesk(engine, demo_policy(), **options)
    finally:
        await engine.dispose()


@pytest.fixture
async def desk(sqlite_url: str) -> AsyncIterator[SqlServiceDesk]:
    """The local desk on SQLite (the embedded default)."""
    async with seeded_desk(sqlite_url) as local:
        yield local


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One trained NLU artefact shared by the whole test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def app_config(tmp_path: Path, model_dir: Path):
    """Factory: the shipped config on a fresh SQLite file, with extra FRONTDOOR_* overrides."""

    def make(**overrides: str):
        environ = {"FRONTDOOR_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}",
                   "FRONTDOOR_NLU__MODEL_DIR": str(model_dir), **overrides}
        return shipped_config(**environ)

    return make


@pytest.fixture
async def fake_api(aiohttp_server):
    """The fake WeChat API on loopback (WeChat itself cannot be reached here) and its base URL."""
    from channels.wechat.fake_api import FakeWeChatApi
    from tests.wechat.server import APP_ID, APP_SECRET

    fake = FakeWeChatApi(APP_ID, APP_SECRET)
    server = await aiohttp_server(fake.app())
    fake.base_url = str(server.make_url("")).rstrip("/")
    return fake
