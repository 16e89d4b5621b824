"""Conversation state: what the bot remembers between two messages of one customer."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from backend_client import ContactBinding
from dialogue.types import utcnow

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
RETIRED_FIELDS = frozenset({"binding_checked"})
"""Fields conversations saved by earlier code may still carry: dropped on load, so those conversations go on."""


class Owner:
    """Who answers the customer now."""

    BOT = "bot"
    WAITING_AGENT = "waiting_agent"
    AGENT = "agent"


@dataclass
class FlowState:
    """The active slot-filling flow: which slots are filled, which is asked, whether we await a yes."""

    name: str
    instance_id: str
    slots: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    requested_slot: str | None = None
    confirming: bool = False
    misses: int = 0


@dataclass
class HandoffState:
    """A hand-off in progress: why it was asked for, since when, which group, and the agent once one accepts."""

    reason: str
    requested_at: str
    group: str
    agent: str = ""


@dataclass
class Turn:
    """One exchange kept for the agent desk and the desk's figures."""

    at: str
    user: str
    intent: str | None
    confidence: float | None
    replies: list[str]
    templates: list[str]
    note: str = ""
    """Context an agent left when handing the conversation back."""


@dataclass
class Conversation:
    """Everything the engine loads before a turn and saves after it."""

    id: str
    channel: str
    user_id: str
    owner: str = Owner.BOT
    flow: FlowState | None = None
    paused: FlowState | None = None
    """The form waiting while a digression runs; it resumes (its question asked again) when that ends."""
    switch: dict[str, str] | None = None
    """An offered switch to a more urgent request: its flow and the message that asked for it."""
    handoff: HandoffState | None = None
    binding: ContactBinding | None = None
    pending_buttons: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    rating: dict[str, Any] | None = None
    """The 1-5 rating asked when an agent closed a chat with no ticket to survey: agent, asked_at, score."""
    history: list[Turn] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: utcnow().isoformat())
    schema_version: int = SCHEMA_VERSION

    def add_turn(self, turn: Turn, keep: int) -> None:
        """Append ``turn``, keeping only the last ``keep``."""
        self.history.append(turn)
        del self.history[:-keep]

    def summary(self, now_said: str = "", turns: int = 8) -> str:
        """What the customer said lately and ``now_said`` (button payloads left out), for a ticket or an agent."""
        said = [t.user.strip() for t in self.history[-turns:] if t.user.strip() and not t.user.startswith("/")]
        return "；".join([*said, now_said] if now_said else said)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for stores, sharing nothing mutable with the conversation. The history is copied turn by
        turn: asdict's generic walk costs about 20 µs a turn, paid on every message of a long conversation."""
        history, self.history = self.history, []
        try:
            data = asdict(self)
        finally:
            self.history = history
        data["history"] = [{k: list(v) if isinstance(v, list) else v for k, v in vars(turn).items()}
                           for turn in history]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Conversation":
        """Rebuild from a store; raises ValueError when the saved shape is not this code's."""
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"schema version {data.get('schema_version')!r}")
        try:
            flow, paused = data.get("flow"), data.get("paused")
            handoff = data.get("handoff")
            binding = data.get("binding")
            return cls(
                **{k: v for k, v in data.items()
                   if k not in ("flow", "paused", "handoff", "binding", "history") and k not in RETIRED_FIELDS},
                flow=FlowState(**flow) if flow else None,
                paused=FlowState(**paused) if paused else None,
                handoff=HandoffState(**handoff) if handoff else None,
                binding=ContactBinding(**binding) if binding else None,
                history=[Turn(**t) for t in data.get("history", [])],
            )
        except TypeError as exc:
            raise ValueError(str(exc)) from exc


def restore(data: dict[str, Any] | None, conversation_id: str, channel: str, user_id: str) -> Conversation:
    """The saved conversation, or a fresh one when none is saved or its shape is outdated."""
    if data is not None:
        try:
            return Conversation.from_dict(data)
        except ValueError as exc:
            log.warning("conversation.reset conversation_id=%s reason=%s", conversation_id, exc)
    return Conversation(id=conversation_id, channel=channel, user_id=user_id)
