"""Agent desk delivery latency: 50 agents on live WebSockets while customers write to conversations agents hold.

Usage: python bench/agent_desk.py [--agents 50] [--conversations 20] [--messages 5]
It starts the front door in this process on a loopback port (a scratch SQLite file, the agent desk and app JWTs
on), signs the agents in, opens their /agent/ws sockets, has each conversation ask for a person and be taken,
then measures (1) customer message -> the holding agent's screen (the WebSocket event) and (2) agent reply ->
the customer's app WebSocket (the channel's send). Prints p50/p99 of both.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from backend_client import AgentAccount  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.keys import COMPONENTS  # noqa: E402
from channels.app.auth import mint  # noqa: E402

SECRET = "bench-agent-desk-jwt-secret-0123456789abcdef"
PASSWORD = "Bench-Desk-2026"
ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Agent:
    """One signed-in agent with a live socket; records when each text reached their screen."""

    def __init__(self, session: aiohttp.ClientSession, base: str, login: str):
        self.session, self.base, self.login, self.csrf = session, base, login, ""
        self.seen: dict[str, float] = {}

    async def sign_in(self) -> None:
        async with self.session.post(f"{self.base}/agent/login", data={"login": self.login, "password": PASSWORD},
                                     headers={"Origin": self.base}, allow_redirects=False) as response:
            assert response.status == 302, response.status
        async with self.session.get(f"{self.base}/agent/api/me") as response:
            self.csrf = (await response.json())["csrf"]

    async def listen(self) -> None:
        async with self.session.ws_connect(f"{self.base}/agent/ws", headers={"Origin": self.base}) as socket:
            async for frame in socket:
                data = frame.json()
                if data.get("type") == "event" and data.get("text"):
                    self.seen.setdefault(data["text"], time.perf_counter())

    async def post(self, path: str, body: dict) -> dict:
        async with self.session.post(self.base + path, json=body,
                                     headers={"Origin": self.base, "X-CSRF-Token": self.csrf}) as response:
            return await response.json()


async def customer_socket(session: aiohttp.ClientSession, base: str, user: str, arrived: dict[str, float]) -> None:
    token = mint(SECRET, user, "frontdoor", 3600)
    async with session.ws_connect(f"{base}/app/ws", headers={"Authorization": f"Bearer {token}"}) as socket:
        async for frame in socket:
            text = frame.json().get("text", "")
            arrived.setdefault(text, time.perf_counter())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="fd-bench-desk-"))
    config = load_config(ROOT / "config.yaml", {
        "FRONTDOOR_STORAGE__URL": f"sqlite+aiosqlite:///{scratch / 'desk.db'}",
        "FRONTDOOR_NLU__MODEL_DIR": str(scratch / "models"), "FRONTDOOR_CHANNELS__AGENT_DESK__ENABLED": "true",
        "FRONTDOOR_CHANNELS__AGENT_DESK__SECURE_COOKIES": "false", "FRONTDOOR_CHANNELS__AGENT_DESK__LOGIN_ATTEMPTS": "100",
        "FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET": SECRET, "FRONTDOOR_LOGGING__LEVEL": "WARNING"})
    app = create_app(config)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    desk = app[COMPONENTS].desk
    for i in range(args.agents):
        await desk.add_agent(AgentAccount(f"bench{i:02d}", f"坐席{i}", "gd-400", capacity=50), PASSWORD)
    jar_sessions = [aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) for _ in range(args.agents)]
    agents = [Agent(s, base, f"bench{i:02d}") for i, s in enumerate(jar_sessions)]
    await asyncio.gather(*(a.sign_in() for a in agents))
    listeners = [asyncio.create_task(a.listen()) for a in agents]
    arrived: dict[str, float] = {}
    to_agent: list[float] = []
    to_customer: list[float] = []
    async with aiohttp.ClientSession() as customers:
        users = [f"bench-user-{i}" for i in range(args.conversations)]
        sockets = [asyncio.create_task(customer_socket(customers, base, u, arrived)) for u in users]
        await asyncio.sleep(0.5)

        async def say(user: str, text: str) -> float:
            token = mint(SECRET, user, "frontdoor", 3600)
            started = time.perf_counter()
            async with customers.post(f"{base}/webhooks/rest/webhook", json={"sender": user, "message": text},
                                      headers={"Authorization": f"Bearer {token}"}) as response:
                await response.read()
            return started

        for i, user in enumerate(users):
            await say(user, "转人工")
            await agents[i % len(agents)].post(f"/agent/api/conversations/app:{user}/take", {})

        async def conversation(i: int, user: str) -> None:
            agent = agents[i % len(agents)]
            for n in range(args.messages):
                text = f"{user} 第{n}条：专线还是时断时续"
                started = await say(user, text)
                for _ in range(500):
                    if text in agent.seen:
                        break
                    await asyncio.sleep(0.005)
                to_agent.append(agent.seen.get(text, float("nan")) - started)
                answer = f"已收到{user}的第{n}条"
                started = time.perf_counter()
                await agent.post(f"/agent/api/conversations/app:{user}/reply", {"text": answer})
                for _ in range(500):
                    if answer in arrived:
                        break
                    await asyncio.sleep(0.005)
                to_customer.append(arrived.get(answer, float("nan")) - started)

        await asyncio.gather(*(conversation(i, u) for i, u in enumerate(users)))
        for task in sockets + listeners:
            task.cancel()
    for session in jar_sessions:
        await session.close()
    await runner.cleanup()
    ok_agent = [x for x in to_agent if x == x]
    ok_customer = [x for x in to_customer if x == x]
    print(f"agents on live sockets: {args.agents}; conversations: {args.conversations} x {args.messages} messages")
    print(f"customer message -> agent screen: p50 {statistics.median(ok_agent) * 1000:.1f} ms, "
          f"p99 {percentile(ok_agent, 0.99) * 1000:.1f} ms ({len(to_agent) - len(ok_agent)} lost)")
    print(f"agent reply -> customer's app socket: p50 {statistics.median(ok_customer) * 1000:.1f} ms, "
          f"p99 {percentile(ok_customer, 0.99) * 1000:.1f} ms ({len(to_customer) - len(ok_customer)} lost)")


if __name__ == "__main__":
    asyncio.run(main())
