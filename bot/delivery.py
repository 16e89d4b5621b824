"""The outbox dispatcher: claim the desk's notifications for every channel that can send, render them from the
templates, deliver each through its recipient's channel, record the result (the desk retries with back-off)."""
from __future__ import annotations

import logging
from typing import AsyncIterator
from zoneinfo import ZoneInfo

from aiohttp import web

from backend_client import JobsDesk, Notification
from bot.channels import OUTBOUND, Outbound
from bot.jobs import app_job
from bot.keys import COMPONENTS, CONFIG
from channels.base import Delivery
from dialogue.notifications import render_notification
from dialogue.templates import Templates

log = logging.getLogger(__name__)


class OutboxDispatcher:
    """One pass over the due notifications of every sending channel."""

    def __init__(self, desk: JobsDesk, outbound: Outbound, templates: Templates, zone: ZoneInfo):
        self._desk = desk
        self._outbound = outbound
        self._templates = templates
        self._zone = zone

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many were delivered."""
        delivered = 0
        for channel in self._outbound.names:
            for notification in await self._desk.claim_notifications(channel):
                delivered += await self._deliver(notification)
        return delivered

    async def _deliver(self, notification: Notification) -> int:
        try:
            replies = render_notification(self._templates, notification, self._zone)
            result = await self._outbound.send(notification.channel, notification.user_id, replies,
                                               kind=notification.kind, payload=notification.payload)
        except Exception as exc:  # one broken notification must not hold up the others; it is tried again
            log.exception("outbox.error id=%d kind=%s", notification.id, notification.kind)
            result = Delivery(False, f"error:{type(exc).__name__}", retry=True)
        if result.delivered:
            await self._desk.notification_delivered(notification.id, result.detail)
        else:
            await self._desk.notification_failed(notification.id, result.detail, retry=result.retry)
        log.info("outbox.%s id=%d channel=%s kind=%s detail=%s", "delivered" if result.delivered else "failed",
                 notification.id, notification.channel, notification.kind, result.detail)
        return int(result.delivered)


def dispatcher(app: web.Application) -> OutboxDispatcher:
    """The dispatcher of a running app (after the components and the channels are open)."""
    components = app[COMPONENTS]
    return OutboxDispatcher(components.desk, app[OUTBOUND], components.templates, ZoneInfo(app[CONFIG].timezone))


async def delivery_job(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx (after the channels'): deliver every `jobs.delivery_interval_s`, stop at shutdown."""
    async with app_job(app, "outbox", dispatcher(app).run_once, app[CONFIG].jobs.delivery_interval_s):
        yield
