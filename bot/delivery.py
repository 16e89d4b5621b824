"""The WeChat outbox job: claim the desk's notifications, render them, deliver them, record each result."""
from __future__ import annotations

import logging
from typing import AsyncIterator
from zoneinfo import ZoneInfo

from aiohttp import web

from backend_client import JobsDesk
from bot.jobs import repeating
from bot.keys import COMPONENTS, CONFIG
from channels.wechat.delivery import NotificationSender
from channels.wechat.runtime import RUNTIME
from channels.wechat.settings import settings_from
from dialogue.notifications import render_notification
from dialogue.templates import Templates

log = logging.getLogger(__name__)

CHANNEL = "wechat"


class OutboxDelivery:
    """One pass over the channel's due notifications."""

    def __init__(self, desk: JobsDesk, sender: NotificationSender, templates: Templates, zone: ZoneInfo):
        self._desk = desk
        self._sender = sender
        self._templates = templates
        self._zone = zone

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many were delivered."""
        delivered = 0
        for notification in await self._desk.claim_notifications(CHANNEL):
            replies = render_notification(self._templates, notification, self._zone)
            result = await self._sender.send(notification.user_id, notification.kind, notification.payload, replies)
            if result.delivered:
                await self._desk.notification_delivered(notification.id, result.detail)
                delivered += 1
            else:
                await self._desk.notification_failed(notification.id, result.detail, retry=result.retry)
            log.info("outbox.%s id=%d kind=%s detail=%s", "delivered" if result.delivered else "failed",
                     notification.id, notification.kind, result.detail)
        return delivered


def outbox_delivery(app: web.Application) -> OutboxDelivery:
    """The delivery of a running app (after the components and the WeChat channel are open)."""
    config, components, runtime = app[CONFIG], app[COMPONENTS], app[RUNTIME]
    sender = NotificationSender(runtime.pusher, runtime.api, settings_from(config).template_messages)
    return OutboxDelivery(components.desk, sender, runtime.templates, ZoneInfo(config.timezone))


async def wechat_delivery_job(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx (after the WeChat channel's): deliver every `jobs.delivery_interval_s`, stop at shutdown."""
    async with repeating("outbox", outbox_delivery(app).run_once, app[CONFIG].jobs.delivery_interval_s):
        yield
