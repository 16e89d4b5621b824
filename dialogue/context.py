"""What one turn's handlers may use: the conversation, the message, templates and the service desk."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from backend_client import Actor, CustomerDesk, Reporter
from dialogue.conversation import Conversation
from dialogue.templates import Templates
from dialogue.types import InboundMessage, Reply, ReplyKind

if TYPE_CHECKING:
    from dialogue.handoff import Handoff


@dataclass
class TurnContext:
    """Built by the engine for each turn; flows get this instead of the engine."""

    conversation: Conversation
    message: InboundMessage
    templates: Templates
    desk: CustomerDesk
    timezone: ZoneInfo
    handoff: "Handoff"
    memo: dict[str, Any] = field(default_factory=dict)
    """What a flow already asked the desk during this turn (read twice, fetched once)."""

    def reply(self, name: str, kind: ReplyKind = ReplyKind.TEXT, **values: Any) -> Reply:
        """Render template ``name`` in the customer's channel variant."""
        return self.templates.reply(name, self.message.channel, kind, **values)

    def label(self, group: str, key: str) -> str:
        """A display label from the templates."""
        return self.templates.label(group, key)

    def local_time(self, moment: datetime) -> str:
        """A deadline as the customer reads it: month, day and minute in the desk's time zone."""
        local = moment.astimezone(self.timezone)
        return self.templates.text("format_datetime", month=local.month, day=local.day,
                                   hour=f"{local.hour:02d}", minute=f"{local.minute:02d}")

    @property
    def reporter(self) -> Reporter:
        """The channel identity writing now."""
        return Reporter(self.conversation.channel, self.conversation.user_id)

    @property
    def actor(self) -> Actor:
        """The customer behind this turn, as the desk checks what they may see."""
        return Actor.customer(self.reporter, self.conversation.binding)
