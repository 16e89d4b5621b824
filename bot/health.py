"""Liveness and readiness for load balancers and orchestrators."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable

from aiohttp import web

from bot.jobs import JOBS
from bot.keys import COMPONENTS

log = logging.getLogger(__name__)
READY_TIMEOUT_S = 1.5
"""Each dependency check gets this long, all at once: /readyz answers within 2 s even when one hangs."""


async def healthz(request: web.Request) -> web.Response:
    """The process answers."""
    return web.json_response({"status": "ok"})


async def _check(name: str, check: Awaitable[Any]) -> str:
    """'ok', or the failure; a dependency that hangs counts as down after READY_TIMEOUT_S."""
    try:
        await asyncio.wait_for(check, READY_TIMEOUT_S)
        return "ok"
    except Exception as exc:  # any failure of a dependency means not ready
        log.warning("readyz.failed check=%s error=%s", name, type(exc).__name__)
        return f"error: {type(exc).__name__}"


async def readyz(request: web.Request) -> web.Response:
    """Ready only when the desk and the conversation store answer and every background job keeps its pace."""
    components = request.app[COMPONENTS]
    checks = {"database": components.desk.ping(), "conversations": components.store.ping()}
    outcomes = await asyncio.gather(*(_check(name, check) for name, check in checks.items()))
    results: dict[str, str] = dict(zip(checks, outcomes))
    stale = stale_jobs(request.app)
    if stale:
        log.warning("readyz.jobs_stale jobs=%s", ",".join(stale))
    results["jobs"] = f"stale: {', '.join(stale)}" if stale else "ok"
    ready = all(value == "ok" for value in results.values())
    return web.json_response({"status": "ready" if ready else "unavailable", "checks": results},
                             status=200 if ready else 503)


def stale_jobs(app: web.Application) -> list[str]:
    """Jobs that have not completed a pass within twice their interval."""
    now = asyncio.get_running_loop().time()
    return sorted(name for name, state in app.get(JOBS, {}).items() if state.stale(now))


def setup(app: web.Application) -> None:
    """Add the health routes."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
