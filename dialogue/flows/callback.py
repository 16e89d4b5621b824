"""回电登记: when no agent can take the chat, a desk ticket with what the customer said and a number to call back."""
from __future__ import annotations

from backend_client import Level, NewTicket, TicketKind
from dialogue.context import TurnContext
from dialogue.conversation import FlowState
from dialogue.forms import FormRunner, Slot
from dialogue.masking import mask_phone
from dialogue.types import Reply, ReplyKind
from nlu import Parse

FLOW = "callback"


class CallbackForm:
    """Confirms the number to call (the bound contact's mobile by default), then opens the ticket."""

    name = FLOW
    confirm = "callback_confirm"
    slots = (Slot("contact_phone", "ask_callback_phone", ("phone_number",), invalid="invalid_phone",
                  mentions=("电话", "号码", "手机")),)

    async def prefill(self, ctx: TurnContext, parse: Parse) -> dict[str, str]:
        """A bound contact's registered mobile."""
        binding = ctx.conversation.binding
        return {"contact_phone": binding.mobile} if binding else {}

    def summary(self, ctx: TurnContext, state: FlowState) -> dict[str, str]:
        """The number as the confirmation shows it (masked)."""
        return {"contact_phone": mask_phone(state.slots["contact_phone"])}

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """A complaint or consultation ticket carrying the conversation so far (idempotent per offer)."""
        binding = ctx.conversation.binding
        kind = TicketKind.COMPLAINT if state.slots.get("reason") == "complaint" else TicketKind.CONSULTATION
        said = state.slots.get("said") or ctx.templates.text("callback_nothing_said")
        if ctx.message.metadata.get("recording_url"):   # a voicemail left on the hotline
            said += "\n" + ctx.templates.text("callback_voicemail", url=ctx.message.metadata["recording_url"])
        opened = await ctx.desk.open_ticket(NewTicket(
            kind=kind,
            reporter=ctx.reporter,
            summary=ctx.templates.text("callback_summary", kind=ctx.label("ticket_kind", kind.value)),
            description=said,
            urgency=Level.MEDIUM,
            idempotency_key=f"{ctx.conversation.id}:{state.instance_id}",
            customer_id=binding.customer_id if binding else None,
            contact_id=binding.contact_id if binding else None,
            contact_phone=state.slots["contact_phone"],
        ))
        ticket = opened.ticket
        return [ctx.reply("callback_opened", kind=ReplyKind.TICKET, number=ticket.number,
                          ticket_kind=ctx.label("ticket_kind", kind.value),
                          response_due=ctx.local_time(ticket.response_due_at))]


RUNNER = FormRunner(CallbackForm())


async def offer_callback(ctx: TurnContext, parse: Parse, reason: str) -> list[Reply]:
    """Offer the callback ticket now: ask for a number or confirm the known one."""
    text = ctx.message.text.strip()
    said = ctx.conversation.summary(text if not text.startswith("/") else "")
    return await RUNNER.start(ctx, parse, {"reason": reason, "said": said})
