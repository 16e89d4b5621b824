"""Questions the knowledge base could not answer, collected in memory and written in batches off the request path.

A search that abstains adds its query here instead of writing in its own transaction; a flush a moment later
writes everything gathered meanwhile in one statement. Closing the desk flushes, so a clean stop loses nothing.
"""
from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.errors import BackendError
from servicedesk.models import KbGapQuery

log = logging.getLogger(__name__)

FLUSH_DELAY_S = 5.0
BATCH = 500
MAX_PENDING = 50_000
"""While the database is down the oldest questions give way, rather than memory."""


class GapBuffer:
    """Gap records waiting to be written; `flush` writes them, `close` flushes and stops."""

    def __init__(self, transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]],
                 delay_s: float = FLUSH_DELAY_S) -> None:
        self._tx = transaction
        self._delay_s = delay_s
        self._pending: list[dict[str, Any]] = []
        self._flusher: asyncio.Task[None] | None = None

    def add(self, query: str, reason: str, channel: str, at: datetime) -> None:
        """Remember one unanswered question; it is written within about `delay_s`."""
        self._pending.append({"query": query, "reason": reason, "channel": channel, "at": at})
        if len(self._pending) > MAX_PENDING:
            del self._pending[: len(self._pending) - MAX_PENDING]
            log.warning("kb.gaps.dropped reason=backlog")
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_later())

    async def flush(self) -> None:
        """Write everything pending, a batch per transaction; on a database failure keep the rest for later."""
        while self._pending:
            batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
            try:
                async with self._tx() as session:
                    await session.execute(insert(KbGapQuery), batch)
            except BaseException:  # not written (database down, or cancelled mid-write): keep for the next flush
                self._pending[:0] = batch
                raise

    async def close(self) -> None:
        """Stop the scheduled flush and write what is pending now."""
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
        await self.flush()

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._delay_s)
        try:
            await self.flush()
        except BackendError as exc:
            log.warning("kb.gaps.flush_failed error=%s pending=%d", exc.code, len(self._pending))
