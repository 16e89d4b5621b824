"""Replies pushed outside a passive answer: customer-service messages within the user's window and quota.

The result says what happened so callers (late turns now, the notification outbox later) can record it and
fall back to a template message when the window is closed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

from channels.wechat.api import WeChatApiClient
from channels.wechat.errors import OUTSIDE_WINDOW, QUOTA_EXHAUSTED, WeChatApiError
from channels.wechat.render import custom_messages
from channels.wechat.window import Slot, WindowTracker
from dialogue.types import Reply

log = logging.getLogger(__name__)


class PushStatus(str, Enum):
    """How a push ended."""

    SENT = "sent"
    OUTSIDE_WINDOW = "outside_window"
    QUOTA_EXHAUSTED = "quota_exhausted"
    FAILED = "failed"


@dataclass(frozen=True)
class PushResult:
    """The outcome of one push: status, messages actually sent, and the platform's code when it refused."""

    status: PushStatus
    sent: int = 0
    code: int | None = None
    detail: str = ""


def mask(openid: str) -> str:
    """An openid for logs: its head, never its tail."""
    return openid[:6] + "***"


class Pusher:
    """Sends replies as customer-service messages while the window and quota allow."""

    def __init__(self, api: WeChatApiClient, windows: WindowTracker):
        self._api = api
        self._windows = windows

    async def push(self, openid: str, replies: list[Reply], skip: int = 0) -> PushResult:
        """Send ``replies`` (split and `msgmenu` as needed), one reservation per message; ``skip`` the messages an
        earlier attempt sent (``sent`` counts them too)."""
        sent = skip
        for body in custom_messages(openid, replies)[skip:]:
            slot = await self._windows.reserve(openid)
            if slot in (Slot.CLOSED, Slot.EXHAUSTED):
                status = PushStatus.OUTSIDE_WINDOW if slot == Slot.CLOSED else PushStatus.QUOTA_EXHAUSTED
                log.info("wechat.push.refused user=%s status=%s sent=%d", mask(openid), status.value, sent)
                return PushResult(status, sent)
            try:
                await self._api.send_custom(body)
            except WeChatApiError as exc:
                return await self._failed(openid, slot, exc, sent)
            sent += 1
        return PushResult(PushStatus.SENT, sent)

    async def _failed(self, openid: str, slot: Slot, exc: WeChatApiError, sent: int) -> PushResult:
        log.warning("wechat.push.failed user=%s code=%s sent=%d", mask(openid), exc.code, sent)
        if exc.code == OUTSIDE_WINDOW:
            await self._windows.close(openid, Slot.CLOSED)
            return PushResult(PushStatus.OUTSIDE_WINDOW, sent, exc.code, exc.message)
        if exc.code == QUOTA_EXHAUSTED:
            await self._windows.close(openid, slot)
            return PushResult(PushStatus.QUOTA_EXHAUSTED, sent, exc.code, exc.message)
        await self._windows.refund(openid, slot)
        return PushResult(PushStatus.FAILED, sent, exc.code, exc.message)
