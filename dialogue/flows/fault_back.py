"""故障复发: "it's broken again" about a ticket reopens it, opens a linked one or notes it; a complaint is offered."""
from __future__ import annotations

import re

from backend_client import OPEN_STATUSES, ComplaintAbout, Forbidden, NotFound
from dialogue.context import TurnContext
from dialogue.conversation import FlowState
from dialogue.flows.complaint import NOBODY, ComplaintForm, ComplaintRunner, says_complain
from dialogue.flows.ticket_status import REASON_CHARS, fault_is_back, visible_tickets
from dialogue.forms import FormRunner, SimpleForm, Slot
from dialogue.types import Button, Reply
from nlu import Parse
from nlu.payload import encode_payload

AGAIN = re.compile(r"又|再次|再一次|复发|重新出现|老毛病|老问题|(?:同样|一样|之前那样|上次那样)的?(?:问题|故障|毛病|情况)")
NOT_FIXED = re.compile(r"没修好|没有修好|没好|根本没(?:修|好|解决)|还是(?:不行|不通|断|没|老样子|一样|连不上|上不了|坏|有问题)")
REPEAT_FAILURE, COMPLAINT = "repeat_failure", "complaint"
TAKES = frozenset({"report_fault", "query_ticket", "urge_ticket", "complaint", "provide_info", "deny"})
"""Intents a "the fault is back" message comes with (an urge only when it says "again": 还没修好 alone is an urge)."""
OFFER = ComplaintRunner(ComplaintForm(confirm="complaint_offer"))


def says_back(parse: Parse) -> bool:
    """Whether the message says a fault came back or was never fixed."""
    if parse.intent == "urge_ticket" and not AGAIN.search(parse.text):
        return False
    return REPEAT_FAILURE in parse.flags or bool(AGAIN.search(parse.text) or NOT_FIXED.search(parse.text))


class FaultBackForm(SimpleForm):
    """Which ticket's fault is back (asked only when several were resolved lately), then the desk's reopen rule."""

    name = "fault_back"
    slots = (Slot("ticket_id", "ask_fault_back_ticket", ("ticket_id",), invalid="invalid_ticket_id",
                  mentions=("工单号", "单号")),)

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """Reopen (or relink, or note) and say so; a complaint in the first message is offered, not forced."""
        number, said = state.slots["ticket_id"], state.slots.get("said", "")
        try:
            replies = [await fault_is_back(ctx, number, said)]
        except (NotFound, Forbidden):
            return [ctx.reply("ticket_not_found", number=number)]
        if state.slots.get("complaint"):
            known = {"about": ComplaintAbout.TICKET.value, "ticket_id": number, "whom": NOBODY, "description": said}
            replies += await OFFER.start(ctx, Parse(said, COMPLAINT, 1.0), known)
        return replies


RUNNER = FormRunner(FaultBackForm())


async def fault_back(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """A message saying a ticket's fault is back: the ticket named, else the customer's recently resolved one."""
    if parse.intent not in TAKES and not parse.fallback or not says_back(parse):
        return []
    known = {"said": parse.text[:REASON_CHARS],
             "complaint": "1" if parse.intent == COMPLAINT or says_complain(parse) else ""}
    if parse.first("ticket_id"):
        return await RUNNER.start(ctx, parse, known)
    resolved = [t.number for t in await visible_tickets(ctx) if t.status not in OPEN_STATUSES]
    if not resolved or parse.fallback or ctx.conversation.paused is not None:
        return []   # nothing of theirs fixed lately (a new fault, a query, an urge), or an aside in another form
    if len(resolved) == 1:
        return await RUNNER.start(ctx, parse, {**known, "ticket_id": resolved[0]})
    replies = await RUNNER.start(ctx, parse, known)
    ask = replies[-1]
    buttons = tuple(Button(number, encode_payload("provide_info", ticket_id=number)) for number in resolved)
    return [*replies[:-1], Reply(ask.text, ask.buttons + buttons, ask.kind, ask.template, ask.data)]
