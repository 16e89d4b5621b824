"""Reading what a request carries: a strict JSON body, query parameters and headers, each error naming the field."""
from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from aiohttp import web

from backend_client.codec import decode, parse_datetime
from servicedesk.api.errors import ApiError

E = TypeVar("E", bound=Enum)


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object (an empty body is an empty object)."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError("body must be a JSON object")
    return data


async def body(request: web.Request, target: Any) -> Any:
    """The body decoded strictly as ``target``: a missing, mistyped or unknown field is a 400 naming it."""
    return decode(target, await json_object(request), strict=True)


def query_int(request: web.Request, name: str, default: int | None, low: int, high: int | None = None) -> int | None:
    """An integer query parameter within [low, high]."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(f"query parameter '{name}' must be an integer", name) from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(f"query parameter '{name}' must be {bounds}", name)
    return value


def query_enum(request: web.Request, name: str, kind: type[E]) -> E | None:
    """An enum query parameter by value."""
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise ApiError(f"query parameter '{name}' must be one of: {allowed}", name) from None


def query_str(request: web.Request, name: str, max_length: int = 128) -> str | None:
    """A short text query parameter."""
    raw = request.query.get(name)
    if raw is not None and len(raw) > max_length:
        raise ApiError(f"query parameter '{name}' is longer than {max_length} characters", name)
    return raw or None


def query_datetime(request: web.Request, name: str) -> datetime | None:
    """An ISO 8601 timestamp with offset."""
    raw = request.query.get(name)
    return parse_datetime(raw, name) if raw else None


def header(request: web.Request, name: str, *, max_length: int = 128) -> str | None:
    """A header's value, refused when it is longer than a sane identifier."""
    value = request.headers.get(name, "").strip()
    if len(value) > max_length:
        raise ApiError(f"header {name} is longer than {max_length} characters", name)
    return value or None
