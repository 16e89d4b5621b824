"""The REST API over loopback: the real app on a seeded SQLite desk, with one token per scope."""
from __future__ import annotations

import pytest

from bot.app import create_app

TOKENS = {"bot": "bot-token-0123456789", "agent": "agent-token-0123456789", "admin": "admin-token-0123456789",
          "delivery": "delivery-token-0123456789"}
BOUND = {"X-On-Behalf-Of-Channel": "app", "X-On-Behalf-Of-User": "demo-bound"}
"""The demo app user verified as a contact of KH44010001."""


def token_env() -> dict[str, str]:
    """FRONTDOOR_API__TOKENS__<NAME>__{SCOPES,TOKEN} for one token per scope."""
    env = {}
    for name, secret in TOKENS.items():
        env[f"FRONTDOOR_API__TOKENS__{name.upper()}__SCOPES"] = name
        env[f"FRONTDOOR_API__TOKENS__{name.upper()}__TOKEN"] = secret
    return env


def auth(scope: str, **headers: str) -> dict[str, str]:
    """Headers of a call with the ``scope`` token."""
    return {"Authorization": f"Bearer {TOKENS[scope]}", **headers}


def as_bot(**headers: str) -> dict[str, str]:
    """The bot acting for the bound demo contact."""
    return auth("bot", **BOUND, **headers)


def as_agent(**headers: str) -> dict[str, str]:
    """An agent named by X-Actor-Id."""
    return auth("agent", **{"X-Actor-Id": "agent-7", **headers})


@pytest.fixture
async def api(aiohttp_client, app_config):
    """A test client of the app with the API enabled."""
    return await aiohttp_client(create_app(app_config(**token_env())))


@pytest.fixture
def open_ticket(api):
    """Factory: open a ticket as the bound demo contact; returns its JSON."""

    async def make(key: str, **fields: object) -> dict:
        body = {"kind": "incident", "summary": "专线中断", "description": "完全不通", "urgency": "high", **fields}
        response = await api.post("/api/v1/tickets", json=body, headers=as_bot(**{"Idempotency-Key": key}))
        assert response.status in (200, 201), await response.text()
        return (await response.json())["ticket"]

    return make
