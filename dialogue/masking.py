"""Masking of personal data shown in chats and written to logs."""
from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_phone(text: str) -> str:
    """138****8000 for every mobile number inside ``text``."""
    return _PHONE.sub(r"\1****\2", text)
