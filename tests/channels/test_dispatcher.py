"""The outbox dispatcher on the real local desk (SQLite): each notification goes through its recipient's channel,
a channel that breaks or is not running loses nothing, and a broken send does not hold up the others."""
from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend_client import Level, NewTicket, Reporter, TicketKind, TicketStatus
from bot.channels import Outbound
from bot.delivery import OutboxDispatcher
from channels.base import ChannelDeps, Delivery
from dialogue.templates import Templates
from dialogue.types import Reply
from servicedesk.models import NotificationRow
from tests.backend.helpers import STAFF


class RecordingChannel:
    """A sending channel that keeps what it was given (the port the dispatcher depends on)."""

    def __init__(self, name: str, fail: Exception | None = None):
        self.name, self.fail, self.sent = name, fail, []

    def setup(self, app: Any) -> None:
        """No routes."""

    @asynccontextmanager
    async def open(self, deps: ChannelDeps) -> AsyncIterator[None]:
        yield

    async def send(self, recipient: str, replies: list[Reply], *, kind: str = "message",
                   payload: Mapping[str, Any] | None = None) -> Delivery:
        if self.fail is not None:
            raise self.fail
        self.sent.append((recipient, kind, [r.text for r in replies]))
        return Delivery(True, f"{self.name}:{len(self.sent)}")


async def resolved(desk, channel: str, user: str) -> str:
    ticket = (await desk.open_ticket(NewTicket(
        TicketKind.INCIDENT, Reporter(channel, user), "专线中断", "专线从早上开始不通", Level.HIGH, uuid.uuid4().hex,
        service_type="专线", circuit_id="GZ-MSTP-000123"))).ticket
    await desk.transition(ticket.number, TicketStatus.RESOLVED, STAFF, note="更换了光模块，业务已恢复")
    return ticket.number


async def states(desk) -> dict[str, tuple[str, str | None]]:
    async with desk._engine.connect() as connection:
        rows = await connection.execute(select(NotificationRow.channel, NotificationRow.state,
                                               NotificationRow.last_error))
        return {channel: (state, error) for channel, state, error in rows}


async def test_each_notification_goes_through_its_own_channel_and_a_broken_send_is_retried(desk):
    app, wechat = RecordingChannel("app"), RecordingChannel("wechat", fail=RuntimeError("platform changed"))
    number = await resolved(desk, "app", "demo-bound")
    await resolved(desk, "wechat", "oBroken_1")
    await resolved(desk, "voice", "+8613800138000")
    dispatcher = OutboxDispatcher(desk, Outbound({"app": app, "wechat": wechat}), Templates.load(),
                                  ZoneInfo("Asia/Shanghai"))
    assert await dispatcher.run_once() == 1
    [(recipient, kind, texts)] = app.sent
    assert (recipient, kind) == ("demo-bound", "ticket_resolved") and number in texts[0]
    assert await states(desk) == {"app": ("delivered", "app:1"), "wechat": ("pending", "error:RuntimeError"),
                                  "voice": ("pending", None)}


async def test_a_channel_not_running_here_is_a_retryable_failure():
    assert await Outbound({}).send("wechat", "oNobody", [Reply("您好")]) == Delivery(False, "wechat:not_running",
                                                                                      retry=True)
