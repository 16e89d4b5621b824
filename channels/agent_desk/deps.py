"""What the agent desk is given by the composition root: the desk, the hand-off, the store, the bus, the way out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Mapping, Protocol

from channels.agent_desk.board import Board
from channels.agent_desk.sessions import LoginLimiter, SessionStore
from channels.agent_desk.settings import AgentDeskSettings
from dialogue.agent_side import AgentSide
from dialogue.bus import Bus
from dialogue.store import ConversationStore
from dialogue.templates import Templates
from dialogue.types import Reply


class Sent(Protocol):
    """The channel's answer to a send."""

    delivered: bool
    detail: str


class Send(Protocol):
    """Through the customer's own channel; ``kind`` and ``payload`` fill a WeChat template message outside the
    48 h window (``channels.wechat.templates.<kind>``)."""

    def __call__(self, channel: str, recipient: str, replies: list[Reply], *, kind: str = ...,
                 payload: Mapping[str, Any] | None = ...) -> Awaitable[Sent]: ...


@dataclass
class DeskDeps:
    """Everything the desk's handlers reach."""

    settings: AgentDeskSettings
    desk: Any                      # StaffDesk and AgentDirectory (the local desk), kept loose for remote desks
    handoff: AgentSide
    store: ConversationStore
    bus: Bus
    send: Send
    templates: Templates
    board: Board
    sessions: SessionStore
    limiter: LoginLimiter
