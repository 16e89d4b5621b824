"""Opening the database and bringing its schema to the newest Alembic revision."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from backend_client.errors import BackendUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")
DB_ERRORS = (SQLAlchemyError, OSError)
"""What a database outage raises, whichever driver: asyncpg lets refused connections through as OSError."""
DATA_SQLSTATE_CLASS = "22"
"""PostgreSQL's 'data exception' class: the value was refused (out of range, NUL, too long), the server is fine."""


def refused_data(exc: BaseException) -> bool:
    """Whether the database refused a value in the request rather than failing: a 4xx, never an outage."""
    original = getattr(exc, "orig", None)
    sqlstate = str(getattr(original, "sqlstate", None) or "")
    return isinstance(exc, DataError) or sqlstate.startswith(DATA_SQLSTATE_CLASS) or isinstance(original, OverflowError)


@dataclass(frozen=True)
class Timeouts:
    """How long the desk waits on its database: a hung server costs a request seconds, never the whole process."""

    connect_s: float = 5.0
    statement_s: float = 10.0
    pool_s: float = 5.0
    busy_s: float = 5.0
    """SQLite: how long a writer waits for another writer's lock."""


DEFAULT_TIMEOUTS = Timeouts()


def open_engine(url: str, *, echo: bool = False, timeouts: Timeouts | None = None) -> AsyncEngine:
    """An async engine with connect, statement and pool timeouts; the folder of a SQLite file is created so the
    embedded default needs no set-up."""
    parsed = make_url(url)
    limits = timeouts or DEFAULT_TIMEOUTS
    if parsed.get_backend_name() == "sqlite":
        if parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return create_async_engine(url, echo=echo, pool_pre_ping=True, connect_args={"timeout": limits.busy_s})
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "asyncpg":
        options["connect_args"] = {
            "timeout": limits.connect_s, "command_timeout": limits.statement_s,
            "server_settings": {"statement_timeout": str(int(limits.statement_s * 1000))}}
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_timeout=limits.pool_s, **options)


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
