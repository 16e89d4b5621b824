"""A fake WeChat API on loopback for tests and local runs: token, customer-service and template messages,
menu creation, with the documented error codes, and switches to fail or stall any endpoint.

Local run: `python -m channels.wechat.fake_api --port 9099`, then point `channels.wechat.api_base_url` at
http://127.0.0.1:9099 (app id `wx-fake-app`, secret `fake-secret` unless given).
See https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
from typing import Any

from aiohttp import web

CUSTOM_TYPES = frozenset({"text", "image", "voice", "video", "music", "news", "mpnews", "msgmenu", "wxcard",
                          "miniprogrampage"})
ENDPOINTS = ("token", "custom", "template", "menu")


class FakeWeChatApi:
    """The platform's state as tests see it: issued tokens, received messages and menus, injected faults."""

    def __init__(self, app_id: str = "wx-fake-app", app_secret: str = "fake-secret"):
        self.app_id = app_id
        self.app_secret = app_secret
        self.tokens: dict[str, int] = {}
        """Issued tokens → 0 while valid, else the code they now answer with (40001 or 42001)."""
        self.token_requests = 0
        self.custom: list[dict[str, Any]] = []
        self.templates: list[dict[str, Any]] = []
        self.menus: list[dict[str, Any]] = []
        self.stall_s: dict[str, float] = {}
        self._faults: dict[str, list[list[int]]] = {name: [] for name in ENDPOINTS}
        self._serial = itertools.count(1)
        self._received = asyncio.Condition()

    def fail(self, endpoint: str, code: int, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``endpoint`` with ``code``."""
        self._faults[endpoint].append([code, times])

    def stall(self, endpoint: str, seconds: float) -> None:
        """Wait ``seconds`` before answering ``endpoint``."""
        self.stall_s[endpoint] = seconds

    def expire_tokens(self, code: int = 42001) -> None:
        """Every issued token now answers ``code`` (42001 expired, 40001 invalid)."""
        self.tokens = {token: code for token in self.tokens}

    async def wait_custom(self, count: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        """The customer-service messages once at least ``count`` arrived (TimeoutError otherwise)."""
        async with self._received:
            await asyncio.wait_for(self._received.wait_for(lambda: len(self.custom) >= count), timeout_s)
        return list(self.custom)

    def app(self) -> web.Application:
        """The aiohttp application serving the endpoints."""
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom)
        app.router.add_post("/cgi-bin/message/template/send", self._template)
        app.router.add_post("/cgi-bin/menu/create", self._menu)
        return app

    async def _prelude(self, endpoint: str) -> int:
        await asyncio.sleep(self.stall_s.get(endpoint, 0))
        faults = self._faults[endpoint]
        if not faults:
            return 0
        faults[0][1] -= 1
        code = faults[0][0]
        if faults[0][1] <= 0:
            faults.pop(0)
        return code

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        query = request.query
        code = await self._prelude("token")
        if not code and query.get("grant_type") != "client_credential":
            code = 40002
        elif not code and query.get("appid") != self.app_id:
            code = 40013
        elif not code and query.get("secret") != self.app_secret:
            code = 40125
        if code:
            return _error(code)
        token = f"FAKE_TOKEN_{next(self._serial)}"
        self.tokens[token] = 0
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def _authorised(self, request: web.Request, endpoint: str) -> tuple[int, dict[str, Any]]:
        code = await self._prelude(endpoint)
        token = request.query.get("access_token")
        if code:
            return code, {}
        if not token:
            return 41001, {}
        if token not in self.tokens or self.tokens[token]:
            return self.tokens.get(token) or 40001, {}
        try:
            body = json.loads(await request.read())
        except ValueError:
            return 47001, {}
        return (0, body) if isinstance(body, dict) else (47001, {})

    async def _custom(self, request: web.Request) -> web.Response:
        code, body = await self._authorised(request, "custom")
        code = code or _check_custom(body)
        if code:
            return _error(code)
        async with self._received:
            self.custom.append(body)
            self._received.notify_all()
        return _error(0)

    async def _template(self, request: web.Request) -> web.Response:
        code, body = await self._authorised(request, "template")
        if not code and not body.get("template_id"):
            code = 40037
        elif not code and not (body.get("touser") and isinstance(body.get("data"), dict)):
            code = 47001
        if code:
            return _error(code)
        self.templates.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": next(self._serial)})

    async def _menu(self, request: web.Request) -> web.Response:
        code, body = await self._authorised(request, "menu")
        code = code or _check_menu(body)
        if code:
            return _error(code)
        self.menus.append(body)
        return _error(0)


def _check_custom(body: dict[str, Any]) -> int:
    if not body.get("touser"):
        return 40003
    kind = body.get("msgtype")
    if kind not in CUSTOM_TYPES or not isinstance(body.get(kind), dict):
        return 40008
    if kind == "text":
        content = body["text"].get("content")
        if not isinstance(content, str) or not content:
            return 44003
        return 45002 if len(content.encode()) > 2048 else 0
    if kind == "msgmenu":
        return 0 if body["msgmenu"].get("list") else 47001
    return 0


def _check_menu(body: dict[str, Any]) -> int:
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return 40016
    for button in buttons:
        subs = button.get("sub_button")
        if subs is not None and not 1 <= len(subs) <= 5:
            return 40017
        for item, limit in [(button, 16)] + [(sub, 60) for sub in subs or []]:
            if len(str(item.get("name", "")).encode()) > limit or not item.get("name"):
                return 40018
            if item.get("type") == "click" and not 0 < len(str(item.get("key", "")).encode()) <= 128:
                return 40019
    return 0


def _error(code: int) -> web.Response:
    return web.json_response({"errcode": code, "errmsg": "ok" if code == 0 else f"fake error {code}"})


def main(argv: list[str] | None = None) -> int:
    """Serve the fake on loopback until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m channels.wechat.fake_api", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9099)
    parser.add_argument("--app-id", default="wx-fake-app")
    parser.add_argument("--app-secret", default="fake-secret")
    args = parser.parse_args(argv)
    fake = FakeWeChatApi(args.app_id, args.app_secret)
    web.run_app(fake.app(), host=args.host, port=args.port, print=lambda text: print(text, file=sys.stderr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
