"""The search index the desk answers from: built in a worker thread at start-up and after changes, swapped whole.

A search never waits for a build (except the very first, when nothing was built yet) and never asks the database
whether articles changed: changes made through this desk rebuild at once, other processes' changes are seen through
the `kb` stamp (Redis) or, without one, by a background check every `RECHECK_S`.
"""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Awaitable, Callable, Hashable

from backend_client.kb import Article
from servicedesk.kb import SearchIndex
from servicedesk.stamps import Stamps

log = logging.getLogger(__name__)

STAMP = "kb"
RECHECK_S = 30.0

Loader = Callable[[Hashable], Awaitable[tuple[Hashable, list[Article] | None]]]
"""Given the version the index was built from (None at first): the current version and the published articles,
or None for them when the version is unchanged."""


class LiveIndex:
    """Holds the current SearchIndex and rebuilds it off the event loop when the articles change."""

    def __init__(self, load: Loader, stamps: Stamps, user_dict: Path | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._stamps = stamps
        self._user_dict = user_dict
        self._clock = clock
        self._index: SearchIndex | None = None
        self._version: Hashable = None
        self._stamp = -1
        self._checked_at = 0.0
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None

    async def current(self) -> SearchIndex:
        """The index to search now; a refresh, when due, runs in the background."""
        if self._index is None:
            await self.refresh()
        elif await self._stamps.read(STAMP) != self._stamp or self._clock() - self._checked_at >= RECHECK_S:
            self._refresh_soon()
        assert self._index is not None
        return self._index

    async def refresh(self) -> None:
        """Rebuild (in a worker thread) if the published articles changed since the last build, then swap."""
        async with self._lock:
            stamp = await self._stamps.read(STAMP)
            version, articles = await self._load(self._version)
            if articles is not None:
                started = self._clock()
                index = await asyncio.to_thread(SearchIndex, articles, self._user_dict)
                self._index, self._version = index, version
                log.info("kb.index.built articles=%d ms=%.0f", len(index.articles), (self._clock() - started) * 1000)
            self._stamp, self._checked_at = stamp, self._clock()

    async def changed(self) -> None:
        """Articles changed through this desk: rebuild now and tell the other processes."""
        await self._stamps.bump(STAMP)
        await self.refresh()

    async def close(self) -> None:
        """Stop a background refresh."""
        if self._background is not None and not self._background.done():
            self._background.cancel()
            await asyncio.gather(self._background, return_exceptions=True)

    def _refresh_soon(self) -> None:
        if self._background is None or self._background.done():
            self._checked_at = self._clock()  # one check at a time, however many searches arrive meanwhile
            self._background = asyncio.create_task(self._refresh_logged())

    async def _refresh_logged(self) -> None:
        try:
            await self.refresh()
        except Exception:  # the old index keeps answering; the next check tries again
            log.exception("kb.index.refresh_failed")
