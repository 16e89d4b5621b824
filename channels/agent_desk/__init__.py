"""The agent desk at /agent/: sign-in, the queue, taking over conversations from every channel, replying through
the customer's own channel, handing back to the bot. Server-rendered pages with a little vendored JavaScript."""
from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import AsyncIterator, Callable

from aiohttp import web

from channels.agent_desk import api, auth
from channels.agent_desk.board import Board, PresenceAvailability
from channels.agent_desk.deps import DeskDeps
from channels.agent_desk.live import Live
from channels.agent_desk.settings import AgentDeskSettings, GroupInfo

__all__ = ["AgentDesk", "AgentDeskSettings", "Board", "DeskDeps", "GroupInfo", "PresenceAvailability"]

STATIC = Path(__file__).with_name("static")


class AgentDesk:
    """Mounts the desk's pages, API and WebSocket; follows the hand-off bus while the app runs."""

    name = "agent_desk"

    def __init__(self, build: Callable[[web.Application], DeskDeps]):
        self._build = build
        self._live = Live()

    def setup(self, app: web.Application) -> None:
        """Routes and static files; the dependencies arrive with `lifetime` once the components are open."""
        app.router.add_get("/agent", to_desk)
        app.router.add_get("/agent/", desk_page)
        app.router.add_get("/agent/login", auth.login_page)
        app.router.add_post("/agent/login", auth.login)
        app.router.add_post("/agent/logout", auth.logout)
        app.router.add_get("/agent/ws", self._live.websocket)
        app.router.add_static("/agent/static/", STATIC, show_index=False, follow_symlinks=False)
        for method, path, handler in api.ROUTES:
            app.router.add_route(method, path, handler)

    @contextlib.asynccontextmanager
    async def lifetime(self, app: web.Application) -> AsyncIterator[None]:
        """While the app runs (after the components and the outbound channels): deps in place, the bus followed."""
        app[auth.DEPS_KEY] = self._build(app)
        task = asyncio.create_task(self._live.follow(app))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def to_desk(request: web.Request) -> web.Response:
    """/agent without the slash."""
    raise web.HTTPFound("/agent/")


async def desk_page(request: web.Request) -> web.Response:
    """The desk itself; the sign-in form for anyone not signed in."""
    session = await auth.current(request)
    if session is None:
        raise web.HTTPFound("/agent/login")
    return auth.page("desk.html", name=session.name, login=session.login, group=session.group_id,
                     role="组长" if session.role == "lead" else "坐席", csrf=session.csrf)
