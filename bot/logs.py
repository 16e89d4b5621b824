"""Logging set-up: one line per event, phone numbers and secrets masked before anything is written."""
from __future__ import annotations

import logging
import re

from dialogue.masking import mask_phone

_SECRET = re.compile(r"(?i)\b(token|secret|password|access_token|appsecret|key)=([^\s&,;]+)")


class MaskingFilter(logging.Filter):
    """Rewrites each record's message so no mobile number or secret value reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _SECRET.sub(lambda m: f"{m.group(1)}=***", mask_phone(message))
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure(level: str) -> None:
    """Root logger with the masking filter on its handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
