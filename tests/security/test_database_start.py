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
