"""Canonical entity values the dialogue relies on (ticket, circuit, phone, customer code, rating)."""
from __future__ import annotations

import re
from typing import Callable

# Circuit type codes used to split glued ids like FSETN0045678 into city + type + number.
CIRCUIT_TYPES = ("IPRAN", "MSTP", "MPLS", "ASON", "SDH", "OTN", "PTN", "ETN", "DDN", "VPN", "WDM", "SPN",
                 "ATM", "DIA", "PON", "FR")
_CIRCUIT = re.compile(r"([A-Za-z]{2,9})[\s\-_/]*([A-Za-z]{0,5})[\s\-_/]*(\d{4,8})")
_ZH_DIGITS = {"一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5"}
_RATING_DIGIT = re.compile(r"[1-5一二两三四五]")
# Used only when the training data's synonyms did not already map the words to a number.
_RATING_WORDS = (("非常不满意", "1"), ("很不满意", "1"), ("太差", "1"), ("很差", "1"), ("非常差", "1"),
                 ("不满意", "2"), ("不太满意", "2"), ("差", "2"), ("一般", "3"), ("还行", "3"), ("凑合", "3"),
                 ("非常满意", "5"), ("很满意", "5"), ("特别满意", "5"), ("满意", "4"), ("不错", "4"))


def _compact_upper(text: str) -> str:
    return re.sub(r"[\s\-_/]+", "", text).upper()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _split_letters(letters: str) -> tuple[str, str] | None:
    for code in sorted(CIRCUIT_TYPES, key=len, reverse=True):
        if letters.endswith(code) and 2 <= len(letters) - len(code) <= 4:
            return letters[:-len(code)], code
    if 4 <= len(letters) <= 9:
        return letters[:2], letters[2:] if len(letters) - 2 <= 5 else None
    return None


def circuit_id(text: str) -> str:
    """``sz ipran 20231`` or ``FSETN0045678`` -> ``SZ-IPRAN-20231`` / ``FS-ETN-0045678``."""
    match = _CIRCUIT.search(text.upper())
    if not match:
        return _compact_upper(text)
    city, kind, number = match.groups()
    if not kind:
        split = _split_letters(city)
        if split is None or not split[1]:
            return _compact_upper(text)
        city, kind = split
    return f"{city}-{kind}-{number}"


def rating(text: str) -> str:
    """A 1-5 rating from ``5分``, ``五星``, ``非常满意`` or an already mapped value; other text is unchanged."""
    match = _RATING_DIGIT.search(text)
    if match is None:
        return next((score for word, score in _RATING_WORDS if word in text), text)
    return _ZH_DIGITS.get(match.group(), match.group())


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "ticket_id": _compact_upper,
    "customer_code": _compact_upper,
    "phone_number": _digits,
    "circuit_id": circuit_id,
    "rating": rating,
}


def normalize(entity: str, value: str) -> str:
    """The canonical form of ``value`` for ``entity`` (unchanged for entities without a rule)."""
    rule = NORMALIZERS.get(entity)
    return rule(value) if rule else value.strip()
