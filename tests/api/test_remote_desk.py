"""A front door whose desk is another front door's REST API (`servicedesk.backend: http`)."""
from __future__ import annotations

import re

from backend_client.http import HttpServiceDesk
from bot.app import create_app
from bot.keys import COMPONENTS
from channels.app.auth import mint
from tests.api.conftest import TOKENS, as_agent, token_env

JWT_SECRET = "jwt-secret-of-the-operators-app-backend-2026"
APP_AUTH = {"FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET": JWT_SECRET}
"""The app backend vouches for demo-bound, so the bot-side front door acts for the bound contact."""
def as_demo_bound() -> dict[str, str]:
    """Minted when the test runs (a token made at import would expire in a slow suite)."""
    return {"Authorization": f"Bearer {mint(JWT_SECRET, 'demo-bound', 'frontdoor', 600)}"}


async def test_the_bot_opens_and_reads_tickets_through_the_api(aiohttp_client, aiohttp_server, app_config, tmp_path):
    desk_server = await aiohttp_server(create_app(app_config(**token_env())))
    bot = await aiohttp_client(create_app(app_config(
        FRONTDOOR_STORAGE__URL=f"sqlite+aiosqlite:///{tmp_path / 'bot-side.db'}",
        FRONTDOOR_SERVICEDESK__BACKEND="http", FRONTDOOR_SERVICEDESK__URL=str(desk_server.make_url("/")),
        FRONTDOOR_SERVICEDESK__TOKEN=TOKENS["bot"], **APP_AUTH)))
    assert isinstance(bot.app[COMPONENTS].desk, HttpServiceDesk)
    assert (await (await bot.get("/readyz")).json())["checks"]["database"] == "ok"
    replies = []
    for text in ("我们专线断了", "电路编号是GZ-MSTP-000123", "13800138001", "确认"):
        response = await bot.post("/webhooks/rest/webhook", json={"sender": "demo-bound", "message": text},
                                  headers=as_demo_bound())
        assert response.status == 200
        replies = await response.json()
    number = re.search(r"GD\d{12}", replies[0]["text"]).group(0)
    async with bot.session.get(desk_server.make_url(f"/api/v1/tickets/{number}"), headers=as_agent()) as response:
        ticket = await response.json()
    assert ticket["reporter"] == {"channel": "app", "user_id": "demo-bound"} and ticket["priority"] == "P1"


async def test_the_bot_answers_from_the_remote_knowledge_base_and_reports_gaps(aiohttp_client, aiohttp_server,
                                                                               app_config, tmp_path):
    desk_server = await aiohttp_server(create_app(app_config(**token_env())))
    bot = await aiohttp_client(create_app(app_config(
        FRONTDOOR_STORAGE__URL=f"sqlite+aiosqlite:///{tmp_path / 'bot-side.db'}",
        FRONTDOOR_SERVICEDESK__BACKEND="http", FRONTDOOR_SERVICEDESK__URL=str(desk_server.make_url("/")),
        FRONTDOOR_SERVICEDESK__TOKEN=TOKENS["bot"], **APP_AUTH)))
    response = await bot.post("/webhooks/rest/webhook", json={"sender": "demo-bound", "message": "光猫LOS灯红色闪烁怎么办"},
                              headers=as_demo_bound())
    answer = (await response.json())[0]
    assert "LOS" in answer["text"] and [b["title"] for b in answer["buttons"]] == ["解决了", "没解决"]
    unsolved = answer["buttons"][1]["payload"]
    await bot.post("/webhooks/rest/webhook", json={"sender": "demo-bound", "message": unsolved}, headers=as_demo_bound())
    async with bot.session.get(desk_server.make_url("/api/v1/kb/gaps"), headers=as_agent()) as gaps:
        assert "光猫los灯红色闪烁怎么办" in {gap["query"] for gap in (await gaps.json())["items"]}
