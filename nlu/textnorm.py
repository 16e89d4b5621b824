"""Offset-preserving text cleaning: every input character maps to exactly one output character."""
from __future__ import annotations

import unicodedata

_FULLWIDTH_START, _FULLWIDTH_END, _FULLWIDTH_SHIFT = 0xFF01, 0xFF5E, 0xFEE0


def _clean_char(ch: str) -> str:
    code = ord(ch)
    if _FULLWIDTH_START <= code <= _FULLWIDTH_END:
        return chr(code - _FULLWIDTH_SHIFT)
    if ch == "\u3000" or ch.isspace():
        return " "
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return " "
    return ch


def clean(text: str) -> str:
    """Full-width ASCII to half-width, controls and odd spaces to a plain space; same length as ``text``."""
    return "".join(_clean_char(ch) for ch in text)


def has_content(text: str) -> bool:
    """True when ``text`` holds at least one letter, digit or CJK character (not only punctuation/emoji)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)
