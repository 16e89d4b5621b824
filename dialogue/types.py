"""The one inbound message type every channel produces and the replies every channel renders."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Awaitable, Callable


class MessageKind(str, Enum):
    """What the customer did: typed, spoke, pressed a key, clicked, sent a picture, followed…"""

    TEXT = "text"
    VOICE = "voice"
    DTMF = "dtmf"
    BUTTON = "button"
    IMAGE = "image"
    LOCATION = "location"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SCAN = "scan"
    MENU_LINK = "menu_link"
    UNSUPPORTED = "unsupported"
    """A message the channel cannot read (a video, a file…): the engine asks for words instead."""
    HANGUP = "hangup"
    """The caller hung up: nothing to answer, an unfinished form is dropped."""
    WAITED = "waited"
    """No message: the hand-off timeout job asks whether a queued customer has waited too long (never a channel)."""


class ReplyKind(str, Enum):
    """Why the bot says something; a channel may render kinds differently (e.g. voice hangs up on `goodbye`)."""

    TEXT = "text"
    QUESTION = "question"
    CONFIRM = "confirm"
    TICKET = "ticket"
    HANDOFF = "handoff"
    MENU = "menu"
    GOODBYE = "goodbye"
    ERROR = "error"


def utcnow() -> datetime:
    """Aware UTC now; one place so every timestamp has a zone."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class InboundMessage:
    """One normalised customer message, whatever the channel it came in on."""

    channel: str
    user_id: str
    conversation_id: str
    text: str = ""
    kind: MessageKind = MessageKind.TEXT
    message_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    received_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class Button:
    """A quick reply: what the customer sees and what comes back when it is chosen."""

    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One thing the bot says; ``template`` names the response it came from (tests and analytics use it)."""

    text: str
    buttons: tuple[Button, ...] = ()
    kind: ReplyKind = ReplyKind.TEXT
    template: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


OnMessage = Callable[[InboundMessage], Awaitable[list[Reply]]]
"""The callback a channel is given: it never sees the engine or a store."""


class TurnFailed(Exception):
    """The turn could not be handled; ``replies`` hold the apology the channel should still deliver."""

    def __init__(self, reason: str, replies: list[Reply]):
        super().__init__(reason)
        self.reason = reason
        self.replies = replies
