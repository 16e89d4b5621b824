"""Outbox notifications as replies (templates stay in the dialogue; channels only deliver what this renders)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from backend_client import Notification
from dialogue.templates import Templates
from dialogue.types import Reply, ReplyKind

Renderer = Callable[[Templates, str, dict[str, Any], ZoneInfo], list[Reply]]


def _local(moment: str, templates: Templates, zone: ZoneInfo) -> str:
    local = datetime.fromisoformat(moment).astimezone(zone)
    return templates.text("format_datetime", month=local.month, day=local.day,
                          hour=f"{local.hour:02d}", minute=f"{local.minute:02d}")


def _resolved(templates: Templates, channel: str, payload: dict[str, Any], zone: ZoneInfo) -> list[Reply]:
    replies = [templates.reply("notify_ticket_resolved", channel, ReplyKind.TICKET, ticket=payload["ticket"],
                               note=payload.get("note") or "-")]
    if payload.get("survey"):
        replies.append(templates.reply("survey_ask", channel, ReplyKind.QUESTION))
    return replies


def _notice(templates: Templates, channel: str, payload: dict[str, Any], zone: ZoneInfo) -> list[Reply]:
    return [templates.reply("notify_notice", channel, ReplyKind.TEXT, title=payload["title"], text=payload["text"],
                            starts=_local(payload["starts_at"], templates, zone),
                            ends=_local(payload["ends_at"], templates, zone))]


RENDERERS: dict[str, Renderer] = {"ticket_resolved": _resolved, "notice": _notice}


def render_notification(templates: Templates, notification: Notification, zone: ZoneInfo) -> list[Reply]:
    """The replies one notification becomes on its channel; unknown kinds get a generic text."""
    renderer = RENDERERS.get(notification.kind)
    if renderer is not None:
        return renderer(templates, notification.channel, notification.payload, zone)
    ticket = notification.payload.get("ticket")
    if ticket:
        return [templates.reply("notify_ticket_update", notification.channel, ReplyKind.TICKET, ticket=ticket)]
    return [templates.reply("notify_generic", notification.channel, ReplyKind.TEXT)]
