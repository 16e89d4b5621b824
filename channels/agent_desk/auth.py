"""Signing in and out of the agent desk, and the checks every desk call passes: session, CSRF, same origin."""
from __future__ import annotations

import hmac
import html
import logging
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from aiohttp import web

from channels.agent_desk.sessions import AgentSession

log = logging.getLogger(__name__)

COOKIE = "fd_agent"
TEMPLATES = Path(__file__).with_name("templates")
MAX_FIELD = 256
DEPS_KEY = web.AppKey("agent_desk_deps", object)


def deps(request: web.Request):
    """The desk's dependencies (set by `AgentDesk.setup`)."""
    return request.app[DEPS_KEY]


def page(template: str, **values: str) -> web.Response:
    """A server-rendered page; every value is HTML-escaped."""
    text = Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(
        {k: html.escape(v, quote=True) for k, v in values.items()})
    return web.Response(text=text, content_type="text/html", charset="utf-8",
                        headers={"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                 "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
                                 "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
                                 "Cache-Control": "no-store"})


def same_origin(request: web.Request) -> bool:
    """A state-changing request must come from our own pages (Origin, else Referer, names this host)."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        return False
    return urlsplit(origin).netloc == request.host


async def current(request: web.Request) -> AgentSession | None:
    """The signed-in agent, or None."""
    return await deps(request).sessions.get(request.cookies.get(COOKIE, ""))


async def require(request: web.Request, *, write: bool = False) -> AgentSession:
    """The signed-in agent; 401 without a session; for writes also 403 without the CSRF token or from elsewhere."""
    session = await current(request)
    if session is None:
        raise web.HTTPUnauthorized(text='{"error":"unauthorized","detail":"请先登录"}', content_type="application/json")
    if write:
        token = request.headers.get("X-CSRF-Token", "")
        if not (token and hmac.compare_digest(token, session.csrf)) or not same_origin(request):
            raise web.HTTPForbidden(text='{"error":"csrf","detail":"请求来源校验失败，请刷新页面"}',
                                    content_type="application/json")
    return session


async def login_page(request: web.Request) -> web.Response:
    """The sign-in form (or the desk, when already signed in)."""
    if await current(request) is not None:
        raise web.HTTPFound("/agent/")
    return page("login.html", error="")


async def login(request: web.Request) -> web.Response:
    """Check the password (rate-limited per login and per address) and open a session."""
    if not same_origin(request):
        raise web.HTTPForbidden(text="cross-site sign-in refused")
    form = await request.post()
    login_name = str(form.get("login", ""))[:MAX_FIELD].strip()
    password = str(form.get("password", ""))[:MAX_FIELD]
    d = deps(request)
    keys = (f"login:{login_name.lower()}", f"addr:{request.remote or ''}")
    if await d.limiter.blocked(*keys):
        log.warning("agent_desk.login.blocked login=%s", login_name)
        return _login_error("登录尝试次数过多，请稍后再试。", 429)
    account = await d.desk.authenticate_agent(login_name, password) if login_name and password else None
    if account is None:
        await d.limiter.failed(*keys)
        log.info("agent_desk.login.failed login=%s", login_name)
        return _login_error("账号或密码不正确。", 401)
    sid, _ = await d.sessions.create(account.login, account.name, account.group_id, account.role)
    response = web.HTTPFound("/agent/")
    response.set_cookie(COOKIE, sid, httponly=True, secure=d.settings.secure_cookies, samesite="Strict",
                        path="/agent", max_age=d.settings.session_idle_s)
    await d.board.set_presence(account.login, "online", account.group_id, account.capacity)
    log.info("agent_desk.login login=%s", account.login)
    raise response


async def logout(request: web.Request) -> web.Response:
    """End the session (CSRF-checked) and go offline."""
    session = await require(request, write=True)
    d = deps(request)
    await d.sessions.delete(request.cookies.get(COOKIE, ""))
    await d.board.set_presence(session.login, "offline", session.group_id)
    response = web.json_response({"ok": True})
    response.del_cookie(COOKIE, path="/agent")
    return response


def _login_error(message: str, status: int) -> web.Response:
    response = page("login.html", error=message)
    response.set_status(status)
    return response
