"""Reading what a request carries: a strict JSON body, query parameters and headers, each error naming the field."""
from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from aiohttp import web

from backend_client.codec import decode, parse_datetime
from backend_client.json_input import JsonInputError, check_text, loads
from servicedesk.api.errors import ApiError

E = TypeVar("E", bound=Enum)
ID_LIMIT = 2 ** 31 - 1
"""Record ids are 32-bit columns: a larger one is refused here, not by the database."""


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object (an empty body is an empty object)."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = loads(raw)
    except JsonInputError as exc:
        raise ApiError(str(exc), exc.field) from None
    if not isinstance(data, dict):
        raise ApiError("body must be a JSON object")
    return data


async def body(request: web.Request, target: Any) -> Any:
    """The body decoded strictly as ``target``: a missing, mistyped or unknown field is a 400 naming it."""
    return decode(target, await json_object(request), strict=True)


def query_int(request: web.Request, name: str, default: int | None, low: int, high: int = ID_LIMIT) -> int | None:
    """An integer query parameter within [low, high]."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[+-]?\d{1,12}", raw):
        raise ApiError(f"query parameter '{name}' must be an integer", name)
    value = int(raw)
    if not low <= value <= high:
        raise ApiError(f"query parameter '{name}' must be between {low} and {high}", name)
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
    """A header's value, refused when it is longer than a sane identifier or not printable text."""
    value = request.headers.get(name, "").strip()
    if len(value) > max_length:
        raise ApiError(f"header {name} is longer than {max_length} characters", name)
    if not value.isprintable():
        raise ApiError(f"header {name} must be printable text", name)
    return value or None


def check_url(request: web.Request) -> None:
    """Path segments and query parameters are text a database can store, before any handler sees them."""
    try:
        for name, value in request.match_info.items():
            check_text(value, name)
        for name, value in request.query.items():
            check_text(name, "query")
            check_text(value, name)
    except JsonInputError as exc:
        raise ApiError(str(exc), exc.field) from None
