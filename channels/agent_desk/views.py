"""What the agent sees of a conversation: the transcript, the form in progress, the customer, their tickets."""
from __future__ import annotations

import time
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from backend_client import Actor, BackendError, Reporter, Ticket
from backend_client.types import ContactBinding
from channels.agent_desk.board import Entry
from dialogue.conversation import Conversation


def entry_view(entry: Entry) -> dict[str, Any]:
    """A board entry with how long it has waited."""
    view = asdict(entry)
    try:
        since = datetime.fromisoformat(entry.requested_at)
        view["waiting_s"] = max(0, int(time.time() - since.timestamp()))
    except ValueError:
        view["waiting_s"] = 0
    return view


def masked(mobile: str) -> str:
    """A mobile as agents see it on screen: 138****8000."""
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 7 else "****"


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    """A ticket with its running SLA clock (the page counts it down)."""
    deadline = ticket.next_deadline()
    return {"number": ticket.number, "kind": ticket.kind.value, "status": ticket.status.value,
            "priority": ticket.priority, "summary": ticket.summary, "group": ticket.assigned_group,
            "tier": ticket.assigned_tier, "resolution_note": ticket.resolution_note,
            "clock": deadline[0] if deadline else None,
            "due_at": deadline[1].astimezone(timezone.utc).isoformat() if deadline else None}


def conversation_view(conversation: Conversation) -> dict[str, Any]:
    """Transcript (customer, bot and agent turns with the NLU's reading), the form's slots, attachments."""
    flow = conversation.flow
    return {
        "id": conversation.id, "channel": conversation.channel, "user_id": conversation.user_id,
        "owner": conversation.owner,
        "handoff": asdict(conversation.handoff) if conversation.handoff else None,
        "form": {"name": flow.name, "slots": flow.slots, "asking": flow.requested_slot} if flow else None,
        "attachments": conversation.attachments[-20:],
        "history": [{"at": t.at, "user": t.user, "intent": t.intent, "confidence": t.confidence,
                     "replies": t.replies, "note": t.note, "by_agent": (t.intent or "").startswith("agent:")}
                    for t in conversation.history],
    }


def customer_actor(conversation: Conversation) -> Actor:
    """The customer behind the conversation, as the desk scopes them (their account, or their own reports)."""
    return Actor.customer(Reporter(conversation.channel, conversation.user_id), conversation.binding)


async def account_view(desk: Any, binding: ContactBinding | None, actor: Actor) -> dict[str, Any] | None:
    """The customer's account: tier, plan, region, account manager (None for an unbound customer)."""
    if binding is None:
        return None
    view: dict[str, Any] = {"name": binding.customer_name, "code": binding.customer_code, "tier": binding.tier,
                            "contact": binding.contact_name, "mobile": masked(binding.mobile)}
    try:
        customer = await desk.get_customer(binding.customer_code, actor)
    except BackendError:
        return view
    view.update(plan=customer.service_plan, manager=customer.account_manager,
                region="".join(p for p in (customer.province, customer.city, customer.county) if p),
                circuits=[c.circuit_id for c in customer.circuits][:20])
    return view


async def tickets_view(desk: Any, actor: Actor) -> list[dict[str, Any]]:
    """The customer's newest tickets with their SLA clocks."""
    try:
        page = await desk.list_tickets(actor, limit=10)
    except BackendError:
        return []
    return [ticket_view(t) for t in page.items]


async def other_channels(desk: Any, store: Any, conversation: Conversation, keep: int = 20) -> list[dict[str, Any]]:
    """The same contact's recent turns on their other channels (a WeChat chat before this app chat), newest last."""
    binding = conversation.binding
    if binding is None or not hasattr(desk, "contact_identities"):
        return []
    turns: list[dict[str, Any]] = []
    for channel, user_id in await desk.contact_identities(binding.contact_id):
        other_id = f"{channel}:{user_id}"
        saved = await store.load(other_id) if other_id != conversation.id else None
        if not saved:
            continue
        other = Conversation.from_dict(saved)
        turns += [{"channel": channel, "at": t.at, "user": t.user, "replies": t.replies} for t in other.history]
    return sorted(turns, key=lambda t: t["at"])[-keep:]
