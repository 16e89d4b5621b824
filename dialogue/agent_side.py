"""Hand-off, the agent's side: what the agent desk calls to take, answer, hand back and close a conversation."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Protocol

from dialogue.bus import Bus, EventKind, HandoffEvent
from dialogue.conversation import Conversation, HandoffState, Owner, Turn
from dialogue.store import ConversationStore
from dialogue.templates import Templates
from dialogue.types import Reply, ReplyKind, utcnow

log = logging.getLogger(__name__)


class HandoffConflict(Exception):
    """The operation does not fit the conversation's state (unknown, or owned by another agent)."""


@dataclass(frozen=True)
class Delivery:
    """Replies for the agent desk to send through the customer's channel (``channel.send(user_id, replies)``)."""

    channel: str
    user_id: str
    replies: list[Reply]


class AgentSide(Protocol):
    """The hand-off operations the agent desk needs."""

    async def accept(self, conversation_id: str, agent: str) -> Delivery:
        """``agent`` takes the conversation; the customer is told."""
        ...

    async def agent_message(self, conversation_id: str, text: str) -> Delivery:
        """What the agent writes, recorded in the conversation, as replies to send."""
        ...

    async def hand_back(self, conversation_id: str, note: str) -> Delivery:
        """The bot answers again; ``note`` stays in the history as context and the customer is told."""
        ...

    async def requeue(self, conversation_id: str, group: str) -> None:
        """The conversation waits again, in ``group``'s queue (a transfer or an escalation)."""
        ...

    async def close(self, conversation_id: str, survey_ticket: str | None = None) -> Delivery:
        """The agent ends the conversation: the bot answers again with nothing in progress, and the customer is
        asked to rate the service (for ``survey_ticket``'s pending survey, else on the conversation)."""
        ...


class HandoffDesk:
    """AgentSide on the conversation store (under its per-conversation lock) and the bus."""

    def __init__(self, store: ConversationStore, templates: Templates, bus: Bus, history_turns: int = 50):
        self._store = store
        self._templates = templates
        self._bus = bus
        self._history_turns = history_turns

    async def accept(self, conversation_id: str, agent: str) -> Delivery:
        """Waiting (or bot-owned) conversation -> agent; refused when another agent owns it."""
        async with self._store.lock(conversation_id):
            conversation = await self._load(conversation_id)
            handoff = conversation.handoff
            if conversation.owner == Owner.AGENT and handoff is not None and handoff.agent != agent:
                raise HandoffConflict(f"conversation {conversation_id} is owned by another agent")
            conversation.owner = Owner.AGENT
            conversation.handoff = (replace(handoff, agent=agent) if handoff is not None
                                    else HandoffState("agent", utcnow().isoformat(), "", agent))
            return await self._finish(conversation, EventKind.ACCEPTED, "handoff_accepted", agent=agent)

    async def agent_message(self, conversation_id: str, text: str) -> Delivery:
        """Only the owning agent's conversation takes agent messages."""
        async with self._store.lock(conversation_id):
            conversation = await self._owned(conversation_id)
            return await self._finish(conversation, None, "agent_message", text=text)

    async def hand_back(self, conversation_id: str, note: str) -> Delivery:
        """Agent -> bot; the note is kept in the history for the bot's and the next agent's context."""
        async with self._store.lock(conversation_id):
            conversation = await self._owned(conversation_id)
            agent = conversation.handoff.agent if conversation.handoff else ""
            conversation.owner, conversation.handoff = Owner.BOT, None
            return await self._finish(conversation, EventKind.HANDED_BACK, "handoff_handed_back", agent=agent,
                                      note=note, reason="handed_back")

    async def requeue(self, conversation_id: str, group: str) -> None:
        """Back to waiting, for ``group``, with no agent: whoever takes it next may (the customer keeps waiting)."""
        async with self._store.lock(conversation_id):
            conversation = await self._load(conversation_id)
            handoff = conversation.handoff or HandoffState("transfer", utcnow().isoformat(), group)
            conversation.owner, conversation.handoff = Owner.WAITING_AGENT, replace(handoff, group=group, agent="")
            await self._store.save(conversation.id, conversation.to_dict())
            log.info("handoff.requeued conversation_id=%s group=%s", conversation.id, group)

    async def close(self, conversation_id: str, survey_ticket: str | None = None) -> Delivery:
        """Agent -> bot, with any form the customer had started dropped; the satisfaction question follows (with no
        ticket's survey pending, the answer is kept on the conversation: see dialogue/flows/survey.py)."""
        async with self._store.lock(conversation_id):
            conversation = await self._owned(conversation_id)
            agent = conversation.handoff.agent if conversation.handoff else ""
            conversation.owner, conversation.handoff, conversation.flow = Owner.BOT, None, None
            conversation.rating = (None if survey_ticket else
                                   {"agent": agent, "asked_at": utcnow().isoformat(), "score": None})
            return await self._finish(conversation, EventKind.HANDED_BACK, "handoff_ended", agent=agent,
                                      reason="closed", then="survey_ask")

    async def _load(self, conversation_id: str) -> Conversation:
        saved = await self._store.load(conversation_id)
        if saved is None:
            raise HandoffConflict(f"no conversation {conversation_id}")
        return Conversation.from_dict(saved)

    async def _owned(self, conversation_id: str) -> Conversation:
        conversation = await self._load(conversation_id)
        if conversation.owner != Owner.AGENT:
            raise HandoffConflict(f"conversation {conversation_id} is not with an agent")
        return conversation

    async def _finish(self, conversation: Conversation, event: EventKind | None, template: str, agent: str = "",
                      text: str = "", note: str = "", reason: str = "", then: str = "") -> Delivery:
        """Render the reply (and the question ``then`` names), record it and the note in the history, save, publish."""
        replies = [self._templates.reply(template, conversation.channel,
                                         ReplyKind.HANDOFF if event else ReplyKind.TEXT, agent=agent, text=text)]
        if then:
            replies.append(self._templates.reply(then, conversation.channel, ReplyKind.QUESTION))
        conversation.add_turn(Turn(at=utcnow().isoformat(), user="", intent=f"agent:{template}", confidence=None,
                                   replies=[r.text for r in replies], templates=[template, *([then] if then else [])],
                                   note=note), self._history_turns)
        await self._store.save(conversation.id, conversation.to_dict())
        if event is not None:
            await self._bus.publish(HandoffEvent(event, conversation.id, conversation.channel, conversation.user_id,
                                                 text=note, agent=agent, reason=reason))
            log.info("handoff.%s conversation_id=%s", event.value, conversation.id)
        return Delivery(conversation.channel, conversation.user_id, replies)
