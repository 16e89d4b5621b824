"""Background jobs of a serving process: each one a pass repeated every few seconds until shutdown."""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

from aiohttp import web

from backend_client import BackendError
from bot.keys import COMPONENTS, CONFIG

log = logging.getLogger(__name__)


async def repeat(name: str, run_once: Callable[[], Awaitable[Any]], interval_s: float) -> None:
    """Run a pass, then sleep; a desk failure is logged and the pass tried again next time."""
    while True:
        try:
            await run_once()
        except BackendError as exc:
            log.warning("jobs.%s.failed error=%s", name, exc.code)
        await asyncio.sleep(interval_s)


@asynccontextmanager
async def repeating(name: str, run_once: Callable[[], Awaitable[Any]], interval_s: float) -> AsyncIterator[None]:
    """Repeat ``run_once`` while the block runs (not at all when the interval is 0); cancel it on exit."""
    task = asyncio.create_task(repeat(name, run_once, interval_s)) if interval_s > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def background_jobs(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the SLA job every `jobs.sla_interval_s`, after the components are open."""
    async with repeating("sla", app[COMPONENTS].desk.run_sla_job, app[CONFIG].jobs.sla_interval_s):
        yield
