"""A local stand-in for Twilio's Messages API (the documented form in, 201 JSON out) that keeps what was sent.

https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
"""
from __future__ import annotations

import re
from typing import Any

from aiohttp import web

ACCOUNT_SID, AUTH_TOKEN, FROM = "AC-test", "twilio-test-secret", "+15005550006"


class FakeTwilio:
    """Records every message; the tests read one-time codes from here, never from a log."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        self.url = ""

    def app(self) -> web.Application:
        """The Messages endpoint."""
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        return app

    async def _create(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.messages.append({name: str(value) for name, value in form.items()})
        return web.json_response({"sid": f"SM{len(self.messages):032d}", "status": "queued", "to": form.get("To")},
                                 status=201)

    def last_code(self) -> str:
        """The six-digit code of the last message."""
        match = re.search(r"(?<!\d)\d{6}(?!\d)", self.messages[-1]["Body"])
        assert match, self.messages[-1]
        return match.group(0)

    def env(self) -> dict[str, str]:
        """FRONTDOOR_* variables that make a front door send its SMS here."""
        prefix = "FRONTDOOR_SERVICEDESK__SMS__"
        return {f"{prefix}BACKEND": "twilio", f"{prefix}TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                f"{prefix}TWILIO_AUTH_TOKEN": AUTH_TOKEN, f"{prefix}TWILIO_FROM": FROM,
                f"{prefix}TWILIO_BASE_URL": self.url}

    def sender(self) -> Any:
        """The production Twilio sender pointed at this fake."""
        from servicedesk.sms import TwilioSmsSender

        return TwilioSmsSender(ACCOUNT_SID, AUTH_TOKEN, FROM, base_url=self.url)


async def start(aiohttp_server: Any) -> FakeTwilio:
    """A running fake on loopback."""
    fake = FakeTwilio()
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake
