"""App chat over HTTP, shaped exactly like Rasa's REST channel so existing chat widgets work.

See https://rasa.com/docs/rasa/connectors/your-own-website/#rest-channels
"""
from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from backend_client.json_input import JsonInputError, loads as strict_json
from dialogue.types import InboundMessage, OnMessage, Reply, TurnFailed

log = logging.getLogger(__name__)

CHANNEL = "app"


class RequestError(ValueError):
    """The request body is not a valid chat message; the text says what is wrong."""


def parse_body(raw: bytes, max_text_chars: int) -> tuple[str, str, dict[str, Any]]:
    """(sender, message, metadata) from a Rasa REST request body, or RequestError."""
    try:
        body = strict_json(raw)  # depth, NUL, lone surrogates, 64-bit integers: a 400, never a crash
    except JsonInputError as exc:
        raise RequestError(str(exc)) from None
    if not isinstance(body, dict):
        raise RequestError("body must be a JSON object")
    sender, message, metadata = body.get("sender"), body.get("message"), body.get("metadata") or {}
    if not isinstance(sender, str) or not sender.strip():
        raise RequestError("'sender' must be a non-empty string")
    if len(sender) > 128:
        raise RequestError("'sender' is longer than 128 characters")
    if not isinstance(message, str):
        raise RequestError("'message' must be a string")
    if not message.strip():
        raise RequestError("'message' is empty")
    if len(message) > max_text_chars:
        raise RequestError(f"'message' is longer than {max_text_chars} characters")
    if not isinstance(metadata, dict):
        raise RequestError("'metadata' must be an object")
    return sender, message, metadata


def render(recipient_id: str, replies: list[Reply]) -> list[dict[str, Any]]:
    """Rasa REST output: one object per reply, buttons as title/payload pairs."""
    rendered = []
    for reply in replies:
        item: dict[str, Any] = {"recipient_id": recipient_id, "text": reply.text}
        if reply.buttons:
            item["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        rendered.append(item)
    return rendered


class AppChannel:
    """`POST /webhooks/rest/webhook` for the operator's app and web chat."""

    name = CHANNEL

    def __init__(self, on_message: OnMessage, *, max_text_chars: int):
        self._on_message = on_message
        self._max_text_chars = max_text_chars

    def setup(self, app: web.Application) -> None:
        """Register the webhook route."""
        app.router.add_post("/webhooks/rest/webhook", self.webhook)

    async def webhook(self, request: web.Request) -> web.Response:
        """One chat message in, the bot's replies out (503 with an apology when the turn failed)."""
        try:
            sender, text, metadata = parse_body(await request.read(), self._max_text_chars)
        except RequestError as exc:
            return web.json_response({"error": "bad_request", "detail": str(exc)}, status=400)
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"error": "too_large", "detail": "body exceeds server.max_body_bytes"},
                                     status=413)
        message = InboundMessage(
            channel=CHANNEL, user_id=sender, conversation_id=f"{CHANNEL}:{sender}", text=text,
            message_id=metadata.get("message_id") if isinstance(metadata.get("message_id"), str) else None,
            metadata=metadata,
        )
        try:
            replies = await self._on_message(message)
        except TurnFailed as exc:
            return web.json_response(render(sender, exc.replies), status=503, dumps=_dumps)
        return web.json_response(render(sender, replies), dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
