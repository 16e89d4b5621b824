"""Background jobs of a serving process: the SLA clock, run every `jobs.sla_interval_s` seconds."""
from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator

from aiohttp import web

from backend_client import BackendError, ServiceDesk
from bot.keys import COMPONENTS, CONFIG

log = logging.getLogger(__name__)


async def run_sla_forever(desk: ServiceDesk, interval_s: float) -> None:
    """Run the SLA job, then sleep; a failed run is logged and tried again next time."""
    while True:
        try:
            await desk.run_sla_job()
        except BackendError as exc:
            log.warning("jobs.sla.failed error=%s", exc.code)
        await asyncio.sleep(interval_s)


async def background_jobs(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: start the jobs after the components are open, cancel them at shutdown."""
    interval = app[CONFIG].jobs.sla_interval_s
    task = asyncio.create_task(run_sla_forever(app[COMPONENTS].desk, interval)) if interval > 0 else None
    yield
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
