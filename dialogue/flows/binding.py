"""账号绑定: customer code and registered mobile, then the one-time code sent by SMS; binds the channel identity."""
from __future__ import annotations

import re
import uuid

from backend_client.errors import OTP_RATE_LIMITED, Conflict
from dialogue.context import TurnContext
from dialogue.conversation import FlowState
from dialogue.forms import FormRunner, SimpleForm, Slot
from dialogue.masking import mask_phone
from dialogue.types import Button, Reply, ReplyKind
from nlu import Parse
from nlu.payload import encode_payload

CODE_FLOW = "bind_code"
ACCOUNT_INTENTS = frozenset({"report_fault", "query_ticket", "urge_ticket"})
"""Requests about the customer's own account: an unbound contact is offered binding first."""
CONTINUE_ENTITY = "unbound"
"""Set by the offer's continue button so the request goes ahead without binding."""
MAX_CODE_TRIES = 3
"""Wrong codes accepted before the flow gives up (the desk also limits attempts per code)."""
_OTP = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_CUSTOMER_CODE = re.compile(r"KH\d{8}", re.I)


def _otp(text: str) -> str | None:
    match = _OTP.search(text)
    return match.group(1) if match else None


def _customer_code(text: str) -> str | None:
    match = _CUSTOMER_CODE.search(text)
    return match.group(0).upper() if match else None


class BindAccountForm(SimpleForm):
    """Asks for the account and the contact's registered mobile, then has the desk send a code."""

    name = "bind_account"
    slots = (
        Slot("customer_code", "ask_customer_code", ("customer_code",), accept_text=_customer_code,
             invalid="invalid_customer_code", mentions=("客户编码", "编码", "客户号")),
        Slot("mobile", "ask_bind_mobile", ("phone_number",), invalid="invalid_phone", mentions=("手机", "号码", "电话")),
    )

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """Start verification; on a match ask for the code, otherwise say so and ask again from the account."""
        conversation = ctx.conversation
        if ctx.message.metadata.get("verified") is False:  # an identity anyone can claim must never be bound
            conversation.flow = None
            return [ctx.reply("bind_needs_sign_in")]
        try:
            matched = await ctx.desk.start_verification(conversation.channel, conversation.user_id,
                                                        state.slots["customer_code"], state.slots["mobile"])
        except Conflict as exc:
            if exc.code != OTP_RATE_LIMITED:
                raise
            return [ctx.reply("bind_rate_limited", kind=ReplyKind.MENU)]
        if not matched:
            conversation.flow = FlowState(self.name, uuid.uuid4().hex, requested_slot="customer_code")
            return [ctx.reply("bind_no_match"), ctx.reply("ask_customer_code", kind=ReplyKind.QUESTION)]
        conversation.flow = FlowState(CODE_FLOW, uuid.uuid4().hex, slots={"tries": 0}, requested_slot="code")
        return [ctx.reply("ask_bind_code", kind=ReplyKind.QUESTION, mobile=mask_phone(state.slots["mobile"]))]


class BindCodeForm(SimpleForm):
    """Takes the six-digit code and binds; wrong or expired codes are asked again a bounded number of times."""

    name = CODE_FLOW
    slots = (Slot("code", "ask_bind_code_again", accept_text=_otp, invalid="invalid_bind_code"),)

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """Confirm the code with the desk; greet the bound contact by account name."""
        conversation = ctx.conversation
        binding = await ctx.desk.confirm_verification(conversation.channel, conversation.user_id, state.slots["code"])
        if binding is not None:
            conversation.binding = binding
            return [ctx.reply("bind_done", kind=ReplyKind.MENU, customer_name=binding.customer_name,
                              contact_name=binding.contact_name)]
        tries = int(state.slots.get("tries", 0)) + 1
        if tries >= MAX_CODE_TRIES:
            return [ctx.reply("bind_code_gave_up", kind=ReplyKind.MENU)]
        conversation.flow = FlowState(self.name, state.instance_id, slots={"tries": tries}, requested_slot="code")
        return [ctx.reply("bind_code_wrong", kind=ReplyKind.QUESTION)]


BIND = FormRunner(BindAccountForm())
CODE = FormRunner(BindCodeForm())


async def bind(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """Start binding; a bound contact is told that verifying another account replaces the current binding."""
    binding = ctx.conversation.binding
    rebind = [ctx.reply("rebind_note", customer_name=binding.customer_name)] if binding is not None else []
    return [*rebind, *await BIND.start(ctx, parse)]


def welcome(ctx: TurnContext) -> list[Reply]:
    """A new follower: welcome and offer binding; a bound contact is greeted by account name."""
    binding = ctx.conversation.binding
    if binding is None:
        return [ctx.reply("subscribe", kind=ReplyKind.MENU)]
    return [ctx.reply("subscribe_bound", kind=ReplyKind.MENU, customer_name=binding.customer_name,
                      contact_name=binding.contact_name)]


def offer_binding(ctx: TurnContext, parse: Parse, channels: frozenset[str]) -> list[Reply]:
    """On ``channels``, an unbound account request gets the binding offer with a button to go on without it."""
    if (parse.intent not in ACCOUNT_INTENTS or ctx.conversation.binding is not None
            or ctx.message.channel not in channels or parse.first(CONTINUE_ENTITY)):
        return []
    entities = {e.entity: e.value for e in parse.entities}
    go_on = Button(ctx.label("bind", "continue"),
                   encode_payload(parse.intent, **entities, **{CONTINUE_ENTITY: "yes"}))
    offer = ctx.reply("bind_offer", kind=ReplyKind.QUESTION)
    return [Reply(offer.text, offer.buttons + (go_on,), offer.kind, offer.template)]
