"""Offset-preserving text cleaning: every input character maps to exactly one output character."""
from __future__ import annotations

import re
import unicodedata

_FULLWIDTH_START, _FULLWIDTH_END, _FULLWIDTH_SHIFT = 0xFF01, 0xFF5E, 0xFEE0
_SPOKEN = dict(zip("零〇幺一二三四五六七八九", "001123456789"))
# Four or more spoken digits in a row (幺八六 二零零零): a number read out, as speech recognition writes it.
_SPOKEN_RUN = re.compile(r"[零〇幺一二三四五六七八九](?:[ \-]?[零〇幺一二三四五六七八九]){3,}")


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
    """Full-width ASCII to half-width, controls to spaces, spoken digit runs to digits; same length as ``text``."""
    cleaned = "".join(_clean_char(ch) for ch in text)
    return _SPOKEN_RUN.sub(lambda m: "".join(_SPOKEN.get(c, c) for c in m.group()), cleaned)


def has_content(text: str) -> bool:
    """True when ``text`` holds at least one letter, digit or CJK character (not only punctuation/emoji)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)
