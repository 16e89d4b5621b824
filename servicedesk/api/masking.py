"""A bot token sees contacts' phone numbers masked: the bot never needs a full number, an agent does."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from servicedesk.api.routes import ADMIN, AGENT, Handler
from servicedesk.api.tokens import Caller

PHONE_FIELDS = frozenset({"mobile", "contact_phone"})
"""Fields of the contract that carry a person's phone number."""
SEES_PHONES = frozenset({AGENT, ADMIN})


def mask_phone(number: str) -> str:
    """138****8000: enough for a customer to recognise their own number, useless to anyone else."""
    if len(number) < 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def masked(value: Any) -> Any:
    """``value`` (decoded JSON) with every phone field masked, at any depth."""
    if isinstance(value, dict):
        return {key: mask_phone(item) if key in PHONE_FIELDS and isinstance(item, str) else masked(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def sees_phones(caller: Caller) -> bool:
    """Staff tokens read numbers in full; a bot-only token does not."""
    return bool(caller.scopes & SEES_PHONES)


def masking(caller_key: web.RequestKey[Caller]) -> Any:
    """Middleware masking phone numbers in JSON answers to callers that may not see them."""

    @web.middleware
    async def mask_phones(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        caller = request.get(caller_key)
        if caller is None or sees_phones(caller) or not isinstance(response, web.Response) \
                or response.content_type != "application/json" or not response.body:
            return response
        text = json.dumps(masked(json.loads(response.body)), ensure_ascii=False, separators=(",", ":"))
        return web.Response(text=text, status=response.status, headers={
            name: value for name, value in response.headers.items() if name.lower() not in ("content-length",
                                                                                               "content-type")},
            content_type="application/json")

    return mask_phones
