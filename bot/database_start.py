"""Serve while the database is down at start-up: not ready until it answers, then migrate and seed once."""
from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from typing import Awaitable, Callable

from backend_client.errors import BackendUnavailable
from servicedesk import database
from servicedesk.service import SqlServiceDesk

log = logging.getLogger(__name__)

FIRST_RETRY_S, MAX_RETRY_S = 1.0, 30.0
DOWN = (*database.DB_ERRORS, BackendUnavailable)
"""What a database that is not there (yet) raises while migrating or seeding."""


async def prepare_or_retry(prepare: Callable[[], Awaitable[None]], stack: AsyncExitStack) -> None:
    """Run ``prepare`` now; if the database is down, keep retrying in the background (cancelled at shutdown)."""
    try:
        await prepare()
    except DOWN as exc:
        log.error("db.unavailable_at_start error=%s: serving, not ready; migrate and seed when it answers",
                  type(exc).__name__)
        task = asyncio.create_task(_retry(prepare), name="db-prepare-retry")
        stack.callback(task.cancel)


async def warm_up_or_skip(desk: SqlServiceDesk) -> None:
    """Fill the desk's caches now when the database answers; down, they fill on first use instead."""
    try:
        await desk.warm_up()
    except DOWN as exc:
        log.warning("desk.warm_up.skipped error=%s", type(exc).__name__)


async def _retry(prepare: Callable[[], Awaitable[None]]) -> None:
    delay = FIRST_RETRY_S
    while True:
        await asyncio.sleep(delay)
        try:
            await prepare()
        except DOWN as exc:
            delay = min(delay * 2, MAX_RETRY_S)
            log.warning("db.prepare.retry error=%s next_in_s=%.0f", type(exc).__name__, delay)
            continue
        log.info("db.prepared_after_outage")
        return
