"""Delivering rendered notifications: a customer-service message inside the window, a template message outside it."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from channels.base import Delivery
from channels.wechat.api import WeChatApiClient
from channels.wechat.errors import RETRYABLE, WeChatApiError
from channels.wechat.push import PushStatus, Pusher, mask
from channels.wechat.settings import TemplateMessage
from dialogue.types import Reply

log = logging.getLogger(__name__)


class _Values(dict):
    """Format values where a missing payload key renders empty."""

    def __missing__(self, key: str) -> str:
        return ""


class NotificationSender:
    """Pushes a notification's replies; falls back to the configured template message when the window is shut."""

    def __init__(self, pusher: Pusher, api: WeChatApiClient, templates: Mapping[str, TemplateMessage]):
        self._pusher = pusher
        self._api = api
        self._templates = templates

    async def send(self, openid: str, replies: list[Reply], kind: str, payload: Mapping[str, Any]) -> Delivery:
        """Deliver ``replies`` to ``openid``; ``kind`` and ``payload`` fill the template message when one is needed."""
        result = await self._pusher.push(openid, replies)
        if result.status is PushStatus.SENT:
            return Delivery(True, f"custom:{result.sent}")
        if result.sent:
            return Delivery(True, f"custom:{result.sent} then {result.status.value}")  # never sent twice
        if result.status is PushStatus.FAILED:
            return Delivery(False, f"custom:{result.code}", retry=result.code in RETRYABLE)
        template = self._templates.get(kind)
        if template is None:
            return Delivery(False, result.status.value, retry=True)
        values = _Values({k: str(v) for k, v in payload.items()})
        data = {name: spec.format_map(values) for name, spec in template.fields.items()}
        try:
            msgid = await self._api.send_template(openid, template.template_id, data, template.url)
        except WeChatApiError as exc:
            log.warning("wechat.template.failed user=%s code=%s", mask(openid), exc.code)
            return Delivery(False, f"template:{exc.code}", retry=exc.code in RETRYABLE)
        return Delivery(True, f"template:{msgid}")
