"""The Rasa REST channel's request and response shapes, so existing chat widgets work as they are.

See https://rasa.com/docs/rasa/connectors/your-own-website/#rest-channels
"""
from __future__ import annotations

import json
from typing import Any

from backend_client.json_input import JsonInputError, loads as strict_json
from dialogue.types import Reply


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


def dumps(value: Any) -> str:
    """JSON with Chinese as it is (what Rasa's REST channel answers)."""
    return json.dumps(value, ensure_ascii=False)
