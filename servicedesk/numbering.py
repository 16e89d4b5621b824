"""Human-friendly unique record numbers: prefix + local date + daily sequence (GD202611230001)."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from servicedesk import database
from servicedesk.models import NumberCounter

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
COUNTER_POOL = database.PoolSize(keep=1, burst=4)


class Numbers:
    """Takes the next number of a prefix and day. On PostgreSQL in a statement of its own, on a small autocommit pool:
    taken inside the opening transaction, the day's counter row stayed locked until that transaction committed, and
    every ticket of the day queued behind it. A number taken for a record whose transaction then fails is skipped.
    On SQLite, whose writers take turns anyway, inside the caller's transaction."""

    def __init__(self, engine: AsyncEngine):
        self._engine = engine
        self._own: AsyncEngine | None = None

    async def next(self, session: AsyncSession, prefix: str, day: str) -> str:
        """The next number of ``prefix`` on ``day``."""
        dialect = self._engine.dialect.name
        table = NumberCounter.__table__
        statement = (
            _INSERTS[dialect](table)
            .values(key=f"{prefix}{day}", last=1)
            .on_conflict_do_update(index_elements=[table.c.key], set_={"last": table.c.last + 1})
            .returning(table.c.last)
        )
        if dialect != "postgresql":
            sequence = (await session.execute(statement)).scalar_one()
        else:
            async with self._counters().connect() as connection:
                sequence = (await connection.execute(statement)).scalar_one()
        return f"{prefix}{day}{sequence:04d}"

    def _counters(self) -> AsyncEngine:
        if self._own is None:
            url = self._engine.url.render_as_string(hide_password=False)
            self._own = database.open_engine(url, pool=COUNTER_POOL, autocommit=True)
        return self._own

    async def close(self) -> None:
        """Close the counters' pool (if one was opened)."""
        if self._own is not None:
            await self._own.dispose()
            self._own = None
