"""Errors of the WeChat API, carrying the platform's error code.

See https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html
"""
from __future__ import annotations

from channels.errors import ChannelError

SYSTEM_BUSY = -1
TRANSPORT = -2
"""Our own code: no answer from the platform (connection refused, timeout, not JSON)."""
INVALID_TOKEN = 40001
TOKEN_EXPIRED = 42001
API_DAILY_LIMIT = 45009
API_MINUTE_LIMIT = 45011
OUTSIDE_WINDOW = 45015
QUOTA_EXHAUSTED = 45047

TOKEN_CODES = frozenset({INVALID_TOKEN, TOKEN_EXPIRED, 40014})
RETRYABLE = frozenset({SYSTEM_BUSY, TRANSPORT, API_DAILY_LIMIT, API_MINUTE_LIMIT})


class WeChatApiError(ChannelError):
    """The platform (or the way to it) refused a call; ``code`` is its errcode."""

    code: int

    def __init__(self, code: int, message: str):
        super().__init__(code, message)
