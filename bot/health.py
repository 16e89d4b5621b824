"""Liveness and readiness for load balancers and orchestrators."""
from __future__ import annotations

import logging

from aiohttp import web

from bot.keys import COMPONENTS

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    """The process answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready only when the database and (when configured) Redis answer."""
    components = request.app[COMPONENTS]
    checks = {"database": components.desk.ping(), "conversations": components.store.ping()}
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await check
            results[name] = "ok"
        except Exception as exc:  # any failure of a dependency means not ready
            log.warning("readyz.failed check=%s error=%s", name, type(exc).__name__)
            results[name] = f"error: {type(exc).__name__}"
    ready = all(value == "ok" for value in results.values())
    return web.json_response({"status": "ready" if ready else "unavailable", "checks": results},
                             status=200 if ready else 503)


def setup(app: web.Application) -> None:
    """Add the health routes."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
