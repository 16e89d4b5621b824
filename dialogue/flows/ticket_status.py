"""工单查询: by number, or the customer's latest ticket; answers state, handling tier and next deadline."""
from __future__ import annotations

from typing import Any

from backend_client import Forbidden, NotFound, ReopenOutcome, Ticket, UrgeOutcome
from dialogue.context import TurnContext
from dialogue.conversation import FlowState
from dialogue.forms import FormRunner, SimpleForm, Slot
from dialogue.masking import mask_phone
from dialogue.types import Button, Reply
from nlu import Parse
from nlu.payload import encode_payload

OTHER_TICKETS_SHOWN = 3
VISIBLE = "visible_tickets"
REASON_CHARS = 200
"""The customer's words kept with an urge or a reopened fault, for the agent."""


async def visible_tickets(ctx: TurnContext) -> list[Ticket]:
    """The customer's recent tickets: their account's when bound, else the ones they reported (the desk decides).
    Asked once per turn: the latest ticket found for the question is also the one described."""
    if VISIBLE not in ctx.memo:
        ctx.memo[VISIBLE] = (await ctx.desk.list_tickets(ctx.actor, limit=OTHER_TICKETS_SHOWN + 1)).items
    return list(ctx.memo[VISIBLE])


class TicketStatusForm(SimpleForm):
    """The ticket status flow."""

    name = "ticket_status"
    slots = (Slot("ticket_id", "ask_ticket_id", ("ticket_id",), invalid="invalid_ticket_id", mentions=("工单号", "单号")),)

    async def prefill(self, ctx: TurnContext, parse: Parse) -> dict[str, str]:
        """Without a number, the latest ticket the customer may see."""
        if parse.first("ticket_id"):
            return {}
        tickets = await visible_tickets(ctx)
        return {"ticket_id": tickets[0].number} if tickets else {}

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """Look the ticket up and describe where it stands."""
        number = state.slots["ticket_id"]
        visible = await visible_tickets(ctx)
        ticket = next((t for t in visible if t.number == number), None)
        if ticket is None:
            try:
                ticket = await ctx.desk.get_ticket(number, ctx.actor)
            except (NotFound, Forbidden):
                return [ctx.reply("ticket_not_found", number=number)]
        reply = ctx.reply("ticket_status", **self._describe(ctx, ticket))
        others = [t for t in visible if t.number != ticket.number][:OTHER_TICKETS_SHOWN]
        buttons = tuple(Button(t.number, encode_payload("query_ticket", ticket_id=t.number)) for t in others)
        return [Reply(reply.text, buttons, reply.kind, reply.template, reply.data)]

    @staticmethod
    def _describe(ctx: TurnContext, ticket: Ticket) -> dict[str, Any]:
        deadline = ticket.next_deadline()
        if deadline is None and ticket.resolution_note:
            progress = ctx.templates.text("ticket_progress_done_note", note=ticket.resolution_note)
        elif deadline is None:
            progress = ctx.templates.text("ticket_progress_done")
        else:
            which, due = deadline
            progress = ctx.templates.text(f"ticket_progress_{which}", due=ctx.local_time(due))
        return {
            "number": ticket.number,
            "status": ctx.label("status", ticket.status.value),
            "priority": ticket.priority,
            "tier": ctx.label("tier", ticket.assigned_tier),
            "summary": mask_phone(ticket.summary),
            "progress": progress,
        }


class UrgeTicketForm(TicketStatusForm):
    """催单: the desk escalates within its urge policy or records the urge; on a finished ticket the fault is back."""

    name = "urge_ticket"

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """Urge the ticket and say what the desk did; urging a resolved or closed ticket reopens (or relinks) it."""
        number, said = state.slots["ticket_id"], ctx.message.text or ""
        try:
            urged = await ctx.desk.urge(number, ctx.actor, reason=said[:REASON_CHARS])
            if urged.outcome is UrgeOutcome.NOT_OPEN:
                return [await fault_is_back(ctx, number, said)]
        except (NotFound, Forbidden):
            return [ctx.reply("ticket_not_found", number=number)]
        if urged.outcome is UrgeOutcome.ESCALATED:
            return [ctx.reply("ticket_urged", **self._describe(ctx, urged.ticket))]
        return [ctx.reply("ticket_urge_noted", urges=str(urged.urges), **self._describe(ctx, urged.ticket))]


REOPEN_TEMPLATES = {
    ReopenOutcome.REOPENED: "ticket_reopened",
    ReopenOutcome.RELINKED: "ticket_relinked",
    ReopenOutcome.STILL_OPEN: "ticket_fault_persists",
}


async def fault_is_back(ctx: TurnContext, number: str, said: str) -> Reply:
    """The customer says a ticket's fault is back: the desk reopens it, opens a linked one, or notes it (still open)."""
    again = await ctx.desk.reopen_or_relink(number, ctx.actor, reason=said[:REASON_CHARS])
    return ctx.reply(REOPEN_TEMPLATES[again.outcome], previous=again.previous,
                     **TicketStatusForm._describe(ctx, again.ticket))


PASSING_INTENTS = frozenset({"provide_info", "deny", "affirm"})
"""Intents that carry a bare ticket number ("单号不对，是GD…"): the number itself is the request."""


async def ticket_in_passing(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """A ticket number given outside any form, read as details or unsure: its status."""
    if not parse.first("ticket_id") or not (parse.fallback or parse.intent in PASSING_INTENTS):
        return []
    return await FormRunner(TicketStatusForm()).start(ctx, parse)
