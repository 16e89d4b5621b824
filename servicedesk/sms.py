"""Sending one-time codes to a contact's mobile: logged in development, Twilio SMS in production.

Twilio: https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
"""
from __future__ import annotations

import base64
import logging
import re
from typing import Protocol

import aiohttp

from backend_client.errors import BackendUnavailable

log = logging.getLogger(__name__)


class OtpSender(Protocol):
    """Delivers a text to a mobile number."""

    async def send(self, mobile: str, text: str) -> None:
        """Send ``text``; raise BackendUnavailable when the SMS gateway fails."""
        ...


CODE_DIGITS = re.compile(r"\d{4,}")


def without_codes(text: str) -> str:
    """The message with every run of digits that could be a code masked: codes never reach a log."""
    return CODE_DIGITS.sub(lambda match: "*" * len(match.group(0)), text)


class LogOtpSender:
    """Development sender: logs that a message went out, its code masked (the mobile is masked by the log filter)."""

    async def send(self, mobile: str, text: str) -> None:
        """Log instead of sending."""
        log.info("sms.logged mobile=%s text=%s", mobile, without_codes(text))


class TwilioSmsSender:
    """Twilio's Messages API over aiohttp (the twilio package's client is blocking)."""

    def __init__(self, account_sid: str, auth_token: str, from_number: str, *,
                 base_url: str = "https://api.twilio.com", timeout_s: float = 10):
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._headers = {"Authorization": f"Basic {credentials}"}
        self._from = from_number
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def send(self, mobile: str, text: str) -> None:
        """POST one message; a non-2xx answer or a network failure raises BackendUnavailable."""
        to = mobile if mobile.startswith("+") else f"+86{mobile}"
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                async with session.post(self._url, data={"To": to, "From": self._from, "Body": text},
                                        headers=self._headers) as response:
                    if response.status >= 300:
                        body = await response.json(content_type=None)
                        raise BackendUnavailable(f"twilio {response.status}: {body.get('code')} {body.get('message')}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BackendUnavailable(f"twilio: {type(exc).__name__}") from exc
        log.info("sms.sent provider=twilio mobile=%s", mobile)
