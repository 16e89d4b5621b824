"""Logging set-up: one line per event, phone numbers and secrets masked before anything is written."""
from __future__ import annotations

import logging
import re

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from dialogue.masking import mask_phone

_SECRET = re.compile(r"(?i)\b(token|secret|password|access_token|appsecret|key|encoding_aes_key|signature"
                     r"|msg_signature|timestamp|nonce|openid|echostr)=([^\s&,;\"]+)")
_MAYBE_SECRET = re.compile(r"=|\d{11}")
"""What each masking needs (a name=value, a mobile's 11 digits): a line without either is left as it is, unscanned."""


def mask_secrets(text: str) -> str:
    """``text`` with mobile numbers masked and the value of every secret-bearing ``name=value`` replaced by ***."""
    if not _MAYBE_SECRET.search(text):
        return text
    return _SECRET.sub(lambda m: f"{m.group(1)}=***", mask_phone(text))


class MaskingFilter(logging.Filter):
    """Rewrites each record's message so no mobile number or secret value reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_secrets(record.getMessage()), None  # formatted once, not again by the handler
        return True


class MaskingAccessLogger(AbstractAccessLogger):
    """One line per request: client, request line, status, size, time. The request line is masked (WeChat's signed
    query, tokens, phones): a URL taken from a log must not be reusable. One format call, not aiohttp's field-by-field
    walk masked field by field, which cost more than the turn's own log line."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info('%s "%s %s" %d %d %.1fms', request.remote, request.method, mask_secrets(request.path_qs),
                         response.status, response.body_length, time * 1000)


def configure(level: str) -> None:
    """Root logger with the masking filter on its handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
