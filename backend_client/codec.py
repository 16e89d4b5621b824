"""JSON shapes of the contract types, shared by the REST API and the HTTP client so both sides agree.

Dataclasses become objects with one key per field, enums their value, datetimes ISO 8601 with their
offset (a naive datetime is refused both ways), dates ``YYYY-MM-DD``, tuples and lists arrays. Decoding follows the type
hints of the target class and names the field that does not fit (``reporter.channel``, ``items[3].at``).
"""
from __future__ import annotations

import json
import types
from dataclasses import MISSING, fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")
MIN_YEAR, MAX_YEAR = 1970, 2999
"""Timestamps outside these years are typing errors or attacks (and year 1 or 9999 overflows in UTC)."""


class CodecError(ValueError):
    """A JSON value does not fit its field; ``field`` is the dotted path to it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"'{field}' {message}" if field else message)
        self.field = field


def encode(value: Any) -> Any:
    """A JSON-ready structure for a contract value."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime cannot be encoded: the contract carries offsets")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    return value


def dumps(value: Any) -> str:
    """Compact JSON text of a contract value, Chinese kept readable."""
    return json.dumps(encode(value), ensure_ascii=False, separators=(",", ":"))


def decode(target: Any, data: Any, *, strict: bool = False, field: str = "") -> Any:
    """``data`` (parsed JSON) as ``target`` (a contract type or a hint like ``list[Ticket]``, ``Page[Ticket]``).

    ``strict`` refuses keys a dataclass does not have: the API is strict with what it receives, the
    client lenient with what a newer server sends.
    """
    return _decode(target, data, strict, field)


def parse_datetime(value: Any, field: str) -> datetime:
    """An ISO 8601 timestamp that carries its offset."""
    if not isinstance(value, str):
        raise CodecError(field, "must be an ISO 8601 timestamp string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CodecError(field, f"is not an ISO 8601 timestamp: {value[:40]!r}") from None
    if moment.tzinfo is None:
        raise CodecError(field, "must carry a UTC offset (e.g. +08:00 or Z)")
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise CodecError(field, f"must be a moment between the years {MIN_YEAR} and {MAX_YEAR}")
    return moment


def _parse_date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise CodecError(field, "must be a date string (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CodecError(field, f"is not a date (YYYY-MM-DD): {value[:40]!r}") from None


def _decode(hint: Any, value: Any, strict: bool, field: str) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return _union(get_args(hint), value, strict, field)
    if hint is Any:
        return value
    if origin in (list, tuple, dict):
        return _container(origin, get_args(hint), value, strict, field)
    if is_dataclass(origin or hint):
        return _dataclass(hint, value, strict, field)
    return _scalar(hint, value, field)


def _union(options: tuple[Any, ...], value: Any, strict: bool, field: str) -> Any:
    if value is None:
        if type(None) in options:
            return None
        raise CodecError(field, "must not be null")
    chosen = [option for option in options if option is not type(None)]
    if len(chosen) != 1:
        raise TypeError(f"codec supports only optional fields, not a union of {chosen}")
    return _decode(chosen[0], value, strict, field)


def _container(origin: type, args: tuple[Any, ...], value: Any, strict: bool, field: str) -> Any:
    if origin is dict:
        if not isinstance(value, dict):
            raise CodecError(field, "must be an object")
        return {key: _decode(args[1], item, strict, f"{field}.{key}") for key, item in value.items()}
    if not isinstance(value, list):
        raise CodecError(field, "must be an array")
    items = [_decode(args[0], item, strict, f"{field}[{i}]") for i, item in enumerate(value)]
    return tuple(items) if origin is tuple else items


def field_types(target: Any) -> list[tuple[str, Any, bool]]:
    """(name, type hint, required) of each field of a dataclass, type variables bound (``Page[Ticket]``)."""
    cls = get_origin(target) or target
    bindings = dict(zip(getattr(cls, "__parameters__", ()), get_args(target)))
    return [(f.name, _substitute(_hints(cls)[f.name], bindings), f.default is MISSING and f.default_factory is MISSING)
            for f in fields(cls)]


def _substitute(hint: Any, bindings: dict[Any, Any]) -> Any:
    """``list[T]`` of a ``Page[Ticket]`` is ``list[Ticket]``."""
    if isinstance(hint, TypeVar):
        return bindings.get(hint, Any)
    parameters = getattr(hint, "__parameters__", ())
    return hint[tuple(bindings.get(p, Any) for p in parameters)] if parameters else hint


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _dataclass(target: Any, value: Any, strict: bool, field: str) -> Any:
    if not isinstance(value, dict):
        raise CodecError(field, "must be an object")
    specs = field_types(target)
    if strict:
        unknown = sorted(set(value) - {name for name, _, _ in specs})
        if unknown:
            raise CodecError(_join(field, unknown[0]), "is not a known field")
    kwargs = {}
    for name, hint, required in specs:
        if name in value:
            kwargs[name] = _decode(hint, value[name], strict, _join(field, name))
        elif required:
            raise CodecError(_join(field, name), "is required")
    return (get_origin(target) or target)(**kwargs)


def _scalar(hint: Any, value: Any, field: str) -> Any:
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in hint)
            raise CodecError(field, f"must be one of: {allowed}") from None
    if hint is datetime:
        return parse_datetime(value, field)
    if hint is date:
        return _parse_date(value, field)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, float, bool) and isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
        return value
    if hint in (str, int, float, bool):
        raise CodecError(field, f"must be {_NAMES[hint]}")
    raise TypeError(f"codec cannot decode {hint!r}")


_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _join(field: str, name: str) -> str:
    return f"{field}.{name}" if field else name
