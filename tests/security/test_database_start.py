"""A database that is down at start-up: the front door serves anyway (not ready), then migrates and seeds the demo
accounts as soon as the database answers (issue 12)."""
from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import create_app
from tests.api.conftest import as_agent, token_env
from tests.conftest import PG_ADMIN_URL
from tests.support import require_postgres


async def test_the_server_starts_without_its_database_and_seeds_when_it_appears(aiohttp_client, app_config):
    require_postgres()
    name = f"fd_late_{uuid.uuid4().hex[:8]}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    client = await aiohttp_client(create_app(app_config(FRONTDOOR_STORAGE__URL=url, **token_env())))
    assert (await client.get("/readyz")).status == 503
    assert (await client.get("/api/v1/customers/KH44010001", headers=as_agent())).status == 503
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        status = 0
        for _ in range(60):
            status = (await client.get("/api/v1/customers/KH44010001", headers=as_agent())).status
            if status == 200:
                break
            await asyncio.sleep(0.5)
        assert status == 200  # migrated and seeded without a restart
    finally:
        await client.close()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_readiness_gives_up_on_a_database_that_never_answers(aiohttp_client, app_config):
    """A server that accepts connections and then says nothing (a hung database): /readyz still answers, 503."""
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # holds the connection open until the client gives up

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        config = app_config(FRONTDOOR_STORAGE__URL=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/hung",
                            FRONTDOOR_STORAGE__CONNECT_TIMEOUT_S="3")
        client = await aiohttp_client(create_app(config))
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["checks"]["database"] == "error: TimeoutError"
    finally:
        server.close()
