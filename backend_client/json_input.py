"""Strict JSON at the edge: depth, integer range and Unicode checks, so hostile bodies are a 400, never a crash.

Shared by the app webhook and the desk's REST API (both import the contract package). Python's parser
recurses per nesting level, accepts lone surrogates (``"\\ud800"``), NUL and integers of any size; none
of those may reach a handler or a database, so each is refused with the field it sits in.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
"""Deeper than any body the API or the webhook defines."""
INT_LIMIT = 2 ** 63
"""Integers must fit a signed 64-bit column."""
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class JsonInputError(ValueError):
    """A body that is not acceptable JSON; ``field`` is the dotted path of the bad value (None: the whole body)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``raw`` and check every value; JsonInputError names what is wrong."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise JsonInputError("body is not UTF-8") from None
    _check_depth(text, max_depth)
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise JsonInputError("body is not valid JSON") from None
    check_value(value)
    return value


def check_value(value: Any, field: str = "") -> None:
    """Refuse NUL, lone surrogates, integers outside 64 bits and non-finite numbers anywhere in ``value``."""
    stack = [(field, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                check_text(key, _join(path, "<key>"))
                stack.append((_join(path, key), child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
        elif isinstance(item, str):
            check_text(item, path)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int) and not -INT_LIMIT <= item < INT_LIMIT:
            raise JsonInputError(f"'{path}' is out of range (a 64-bit integer)", path or None)
        elif isinstance(item, float) and not math.isfinite(item):
            raise JsonInputError(f"'{path}' must be a finite number", path or None)


def check_text(text: str, field: str) -> None:
    """Refuse a string a database cannot store: NUL characters or lone surrogates (not valid Unicode)."""
    if "\x00" in text:
        raise JsonInputError(f"'{field}' contains a NUL character", field or None)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonInputError(f"'{field}' is not valid Unicode (a lone surrogate)", field or None) from None


def _check_depth(text: str, max_depth: int) -> None:
    """Count nesting outside strings before parsing: the parser itself would recurse until it crashes."""
    depth = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > max_depth:
            raise JsonInputError(f"body is nested deeper than {max_depth} levels")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
