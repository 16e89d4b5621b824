"""Opening the database and bringing its schema to the newest Alembic revision."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, DisconnectionError, SQLAlchemyError
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


@dataclass(frozen=True)
class PoolSize:
    """Connections kept open to a database server, and how many more a burst may open (closed again after it).
    Concurrent turns past ``keep`` open and close connections, which costs the server a process start each."""

    keep: int = 20
    burst: int = 10


PING_IDLE_S = 10.0
"""A pooled connection idle longer than this is pinged before use (the server may have dropped it meanwhile)."""


def open_engine(url: str, *, echo: bool = False, timeouts: Timeouts | None = None,
                pool: PoolSize = PoolSize(), autocommit: bool = False) -> AsyncEngine:
    """An async engine with connect, statement and pool timeouts (``autocommit``: each statement its own
    transaction); the folder of a SQLite file is created so the embedded default needs no set-up."""
    parsed = make_url(url)
    limits = timeouts or DEFAULT_TIMEOUTS
    if parsed.get_backend_name() == "sqlite":  # a local file: no server that could drop the connection
        if parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return create_async_engine(url, echo=echo, connect_args={"timeout": limits.busy_s})
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "asyncpg":
        options["connect_args"] = {
            "timeout": limits.connect_s, "command_timeout": limits.statement_s,
            "server_settings": {"statement_timeout": str(int(limits.statement_s * 1000))}}
    if autocommit:
        options["isolation_level"] = "AUTOCOMMIT"
    engine = create_async_engine(url, echo=echo, pool_timeout=limits.pool_s, pool_size=pool.keep,
                                 max_overflow=pool.burst, **options)
    _ping_when_idle(engine, PING_IDLE_S)
    return engine


def _ping_when_idle(engine: AsyncEngine, idle_s: float) -> None:
    """Ping a connection before use only when it sat idle past ``idle_s``: pool_pre_ping pings every checkout, which
    on asyncpg is three round trips (BEGIN, ';', ROLLBACK) before each transaction. A connection that fails its
    ping is replaced (DisconnectionError makes the pool try another)."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_s:
            return
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"stale connection: {type(exc).__name__}") from exc


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
