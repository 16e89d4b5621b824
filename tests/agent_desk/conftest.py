"""The front door with the agent desk on, served over loopback; agents, an app customer with a JWT, a desk client."""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

import pytest
from aiohttp import ClientSession, CookieJar

from backend_client import AgentAccount
from bot.app import create_app
from bot.keys import COMPONENTS
from channels.app.auth import mint

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
JWT_SECRET = "agent-desk-tests-jwt-secret-0123456789abcdef"
PASSWORD = "Desk-Password-2026"


@pytest.fixture
def desk_config(app_config):
    def make(**overrides: str):
        return app_config(FRONTDOOR_CHANNELS__AGENT_DESK__ENABLED="true",
                          FRONTDOOR_CHANNELS__AGENT_DESK__SECURE_COOKIES="false",
                          FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET=JWT_SECRET, **overrides)
    return make


@pytest.fixture
async def server(aiohttp_server, desk_config):
    """A running front door (real server on a loopback port) with the demo agents' accounts."""
    app = create_app(desk_config())
    running = await aiohttp_server(app)
    desk = app[COMPONENTS].desk
    for login, group, role in (("lead400", "gd-400", "lead"), ("agent400", "gd-400", "agent"),
                               ("tianhe", "gd-gz-tianhe", "agent"), ("nanhai", "gd-fs-nanhai", "agent")):
        await desk.add_agent(AgentAccount(login, f"坐席{login}", group, role), PASSWORD)
    return running


def base_url(server) -> str:
    return str(server.make_url("")).rstrip("/")


@dataclass
class AgentClient:
    """One agent's browser-less session: cookie jar, CSRF token, same-origin headers."""

    session: ClientSession
    base: str
    csrf: str = ""

    async def login(self, login: str, password: str = PASSWORD) -> int:
        async with self.session.post(f"{self.base}/agent/login", data={"login": login, "password": password},
                                     headers={"Origin": self.base}, allow_redirects=False) as response:
            status = response.status
        if status == 302:
            self.csrf = (await self.get("/agent/api/me"))[1]["csrf"]
        return status

    async def get(self, path: str) -> tuple[int, dict]:
        async with self.session.get(self.base + path) as response:
            return response.status, await response.json(content_type=None)

    async def post(self, path: str, body: dict | None = None, *, csrf: bool = True) -> tuple[int, dict]:
        headers = {"Origin": self.base, **({"X-CSRF-Token": self.csrf} if csrf else {})}
        async with self.session.post(self.base + path, json=body or {}, headers=headers) as response:
            return response.status, await response.json(content_type=None)


@pytest.fixture
async def agent(server):
    sessions = []

    async def make(login: str | None = None) -> AgentClient:
        session = ClientSession(cookie_jar=CookieJar(unsafe=True))
        sessions.append(session)
        client = AgentClient(session, base_url(server))
        if login:
            assert await client.login(login) == 302
        return client

    yield make
    for session in sessions:
        await session.close()


@dataclass
class AppCustomer:
    """An app user the operator's backend vouches for (JWT), chatting over the REST webhook and polling pushes."""

    session: ClientSession
    base: str
    user: str

    @property
    def token(self) -> str:
        return mint(JWT_SECRET, self.user, "frontdoor", 600)

    async def say(self, text: str) -> list[dict]:
        async with self.session.post(f"{self.base}/webhooks/rest/webhook", json={"sender": self.user, "message": text},
                                     headers={"Authorization": f"Bearer {self.token}"}) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def pushed(self) -> list[str]:
        async with self.session.get(f"{self.base}/app/messages?since=0",
                                    headers={"Authorization": f"Bearer {self.token}"}) as response:
            assert response.status == 200, await response.text()
            body = await response.json()
        return [item.get("text", "") for item in _items(body)]


def _items(body) -> list[dict]:
    if isinstance(body, list):
        return body
    for key in ("messages", "items"):
        if isinstance(body.get(key), list):
            return [m.get("message", m) if isinstance(m, dict) else m for m in body[key]]
    return []


@pytest.fixture
async def customer(server):
    session = ClientSession()

    def make(user: str) -> AppCustomer:
        return AppCustomer(session, base_url(server), user)

    yield make
    await session.close()


def conversation_of(user: str) -> str:
    return f"app:{user}"


TICKET = re.compile(r"GD\d{12}")


@pytest.fixture
async def browser():
    """Debian's headless Chromium through Playwright (the system executable: no browser download here)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        await launched.close()
