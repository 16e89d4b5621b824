"""Every desk action on a conversation is also an event on the tickets linked to it (its customer's tickets opened
during it, from the bot or from the desk), so `frontdoor desk show` tells the whole story."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from backend_client import Actor, BackendError, Reporter, Role
from channels.agent_desk.views import customer_actor
from dialogue.conversation import Conversation

log = logging.getLogger(__name__)

SCAN = 20
"""How many of the customer's newest tickets are looked at for links."""


def agent_actor(login: str) -> Actor:
    """The agent as the desk records them."""
    return Actor(Role.AGENT, login, "agent_desk")


async def linked_tickets(desk: Any, conversation: Conversation) -> list[str]:
    """Numbers of the tickets this conversation's customer reported since it began, newest first."""
    reporter = Reporter(conversation.channel, conversation.user_id)
    began = datetime.fromisoformat(conversation.created_at)
    try:
        page = await desk.list_tickets(customer_actor(conversation), limit=SCAN)
    except BackendError as exc:
        log.warning("agent_desk.linked_tickets_failed conversation_id=%s error=%s", conversation.id, exc)
        return []
    return [t.number for t in page.items
            if t.reporter == reporter and t.created_at >= began]


async def record(desk: Any, numbers: list[str], kind: str, login: str, **detail: str) -> None:
    """``desk_<kind>`` on each ticket; a desk that refuses costs the action nothing (it is logged)."""
    for number in numbers:
        try:
            await desk.record_event(number, kind, agent_actor(login), detail=detail)
        except BackendError as exc:
            log.warning("agent_desk.ticket_event_failed ticket=%s kind=%s error=%s", number, kind, exc)


async def ask_survey(desk: Any, numbers: list[str], login: str) -> str | None:
    """The newest linked ticket whose survey is now pending, or None (the rating is then kept on the chat)."""
    if not numbers:
        return None
    number = numbers[0]
    try:
        survey = await desk.request_survey(number, agent_actor(login))
    except BackendError as exc:
        log.warning("agent_desk.survey_failed ticket=%s error=%s", number, exc)
        return None
    return number if survey.status == "pending" else None


async def on_conversation(desk: Any, store: Any, conversation_id: str, kind: str, login: str, **detail: str) -> None:
    """Record the action on every ticket linked to the conversation (none when it is gone or has none)."""
    saved = await store.load(conversation_id)
    if saved is not None:
        await record(desk, await linked_tickets(desk, Conversation.from_dict(saved)), kind, login,
                     conversation=conversation_id, **detail)
