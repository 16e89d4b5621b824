"""SMS to a caller's mobile through Twilio Messaging: the hotline's only way to leave text (a ticket number) behind.

An outbound channel like WeChat's or the app's, on the session `bot/` opens; the Messages API is called over
aiohttp (the twilio package's client blocks). https://www.twilio.com/docs/messaging/api/message-resource
"""
from __future__ import annotations

import base64
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Mapping

import aiohttp

from channels.base import ChannelDeps, Delivery
from dialogue.types import Reply

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsSettings:
    """The Twilio account that sends, the number it sends from and where the API lives (a fake in tests)."""

    account_sid: str
    auth_token: str
    from_number: str
    api_base_url: str = "https://api.twilio.com"
    timeout_s: float = 10.0


class SmsChannel:
    """Sends replies as one text message to an E.164 number."""

    name = "sms"

    def __init__(self, settings: SmsSettings):
        self._settings = settings
        self._url = (f"{settings.api_base_url.rstrip('/')}/2010-04-01/Accounts/{settings.account_sid}"
                     "/Messages.json")
        credentials = base64.b64encode(f"{settings.account_sid}:{settings.auth_token}".encode()).decode()
        self._headers = {"Authorization": f"Basic {credentials}"}
        self._http: aiohttp.ClientSession | None = None

    def setup(self, app: Any) -> None:
        """No routes: delivery reports are not needed for a ticket number."""

    @asynccontextmanager
    async def open(self, deps: ChannelDeps) -> AsyncIterator[None]:
        """Send on the shared HTTP session while the server runs."""
        self._http = deps.http
        try:
            yield
        finally:
            self._http = None

    async def send(self, recipient: str, replies: list[Reply], *, kind: str = "message",
                   payload: Mapping[str, Any] | None = None) -> Delivery:
        """POST one message (the replies' texts joined); a refusal or a network failure is a Delivery, not a raise."""
        if self._http is None:
            return Delivery(False, "sms:not_open", retry=True)
        body = "\n".join(reply.text for reply in replies if reply.text)
        form = {"To": recipient, "From": self._settings.from_number, "Body": body}
        try:
            async with self._http.post(self._url, data=form, headers=self._headers,
                                       timeout=aiohttp.ClientTimeout(total=self._settings.timeout_s)) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("sms.failed error=%s", type(exc).__name__)
            return Delivery(False, f"sms:{type(exc).__name__}", retry=True)
        if response.status >= 300:
            code = answer.get("code") if isinstance(answer, dict) else None
            log.warning("sms.refused status=%s code=%s", response.status, code)
            return Delivery(False, f"sms:{response.status}:{code}", retry=response.status >= 500)
        log.info("sms.sent kind=%s", kind)
        return Delivery(True, f"sms:{answer.get('sid', '') if isinstance(answer, dict) else ''}")
