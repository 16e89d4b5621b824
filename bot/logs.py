"""Logging set-up: one line per event, phone numbers and secrets masked before anything is written."""
from __future__ import annotations

import logging
import re
from typing import Iterable

from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from dialogue.masking import mask_phone

_SECRET = re.compile(r"(?i)\b(token|secret|password|access_token|appsecret|key|encoding_aes_key|signature"
                     r"|msg_signature|timestamp|nonce|openid|echostr)=([^\s&,;\"]+)")


def mask_secrets(text: str) -> str:
    """``text`` with mobile numbers masked and the value of every secret-bearing ``name=value`` replaced by ***."""
    return _SECRET.sub(lambda m: f"{m.group(1)}=***", mask_phone(text))


class MaskingFilter(logging.Filter):
    """Rewrites each record's message so no mobile number or secret value reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class MaskingAccessLogger(AccessLogger):
    """aiohttp's access log without WeChat's signed query (signature, timestamp, nonce, openid), tokens or phones:
    a URL taken from a log must not be reusable."""

    def _format_line(self, request: BaseRequest, response: StreamResponse,
                     time: float) -> Iterable[tuple[str | tuple[str, str], str]]:
        return [(key, mask_secrets(value) if isinstance(value, str) else value)
                for key, value in super()._format_line(request, response, time)]


def configure(level: str) -> None:
    """Root logger with the masking filter on its handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
