"""Background jobs of a serving process: each one a pass repeated every few seconds until shutdown."""
from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable

from aiohttp import web

from backend_client import BackendError
from bot.keys import COMPONENTS, CONFIG

log = logging.getLogger(__name__)


@dataclass
class JobState:
    """When a job last finished a pass (loop time), so readiness can tell a stuck or failing job."""

    interval_s: float
    since: float = field(default_factory=lambda: asyncio.get_running_loop().time())
    passes: int = 0

    def stale(self, now: float) -> bool:
        """No pass completed within twice the interval (counted from start-up until the first one)."""
        return now - self.since > 2 * self.interval_s


JOBS = web.AppKey("jobs", dict[str, JobState])
"""The running app's jobs by name; `/readyz` reads it."""


async def repeat(name: str, run_once: Callable[[], Awaitable[Any]], interval_s: float,
                 state: JobState | None = None) -> None:
    """Run a pass, then sleep; any failure is logged and the pass tried again next time."""
    while True:
        try:
            await run_once()
        except BackendError as exc:
            log.warning("jobs.%s.failed error=%s", name, exc.code)
        except Exception:  # a job must outlive its bugs: the next pass may well succeed
            log.exception("jobs.%s.crashed", name)
        else:
            if state is not None:
                state.since, state.passes = asyncio.get_running_loop().time(), state.passes + 1
        await asyncio.sleep(interval_s)


@asynccontextmanager
async def repeating(name: str, run_once: Callable[[], Awaitable[Any]], interval_s: float,
                    registry: dict[str, JobState] | None = None) -> AsyncIterator[None]:
    """Repeat ``run_once`` while the block runs (not at all when the interval is 0); cancel it on exit."""
    if interval_s <= 0:
        yield
        return
    state = JobState(interval_s)
    if registry is not None:
        registry[name] = state
    task = asyncio.create_task(repeat(name, run_once, interval_s, state))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if registry is not None:
            registry.pop(name, None)


def app_job(app: web.Application, name: str, run_once: Callable[[], Awaitable[Any]],
            interval_s: float) -> AbstractAsyncContextManager[None]:
    """`repeating`, registered with the app (`create_app` sets JOBS) so `/readyz` reports it when it falls behind."""
    return repeating(name, run_once, interval_s, app[JOBS])


async def background_jobs(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the SLA job every `jobs.sla_interval_s`, after the components are open (the local desk's own
    job: a remote desk runs its SLA clock itself, and its API keeps that route for admins)."""
    components = app[COMPONENTS]
    interval = app[CONFIG].jobs.sla_interval_s if components.db is not None else 0
    async with app_job(app, "sla", components.desk.run_sla_job, interval):
        yield
