"""Opening the database and bringing its schema to the newest Alembic revision."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from backend_client.errors import BackendUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")
DB_ERRORS = (SQLAlchemyError, OSError)
"""What a database outage raises, whichever driver: asyncpg lets refused connections through as OSError."""


def open_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine; the folder of a SQLite file is created so the embedded default needs no set-up."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return create_async_engine(url, echo=echo, pool_pre_ping=True)


def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory every repository call uses."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """Alembic configuration pointing at the shipped migrations, optionally sharing a connection."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` in one transaction."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), revision))


async def ping(engine: AsyncEngine) -> None:
    """Raise BackendUnavailable when the database does not answer."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except DB_ERRORS as exc:
        raise BackendUnavailable(f"database: {type(exc).__name__}") from exc
