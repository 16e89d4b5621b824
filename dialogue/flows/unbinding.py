"""解绑: a contact ends this channel's binding to their account (a handover, a phone passed on), asked once to be sure.

Rebinding needs no flow of its own: verifying another account replaces the binding (see ``binding.bind``).
"""
from __future__ import annotations

import re

from dialogue.context import TurnContext
from dialogue.conversation import FlowState
from dialogue.forms import FormRunner, SimpleForm, Slot
from dialogue.turns import is_question
from dialogue.types import Reply, ReplyKind
from nlu import Parse

FLOW = "unbind_account"
CALLER_CHANNEL = "voice"
"""On the hotline the calling number is the identity: there is no binding to end, only the registered mobile."""
_KEEP = re.compile(r"^\W*(不|别|no\b)|保留|留着|不解|别解|先不|暂不|暂时不|还是不|不用|不要|不了|算了", re.I)
_END = re.compile(r"解绑|解除|解掉|解了|确认|确定|是的|没错|对|好|可以|行|嗯|要|yes|ok", re.I)


def _decision(text: str) -> str | None:
    """"keep" for a no (不用了, 保留), "end" for a yes (确认解绑, 好的), None for a question or neither."""
    if is_question(text):
        return None
    if _KEEP.search(text):
        return "keep"
    return "end" if _END.search(text) else None


def _answers(text: str) -> bool:
    """A yes or no even when the NLU reads another request in it (保留绑定); a question is asked aside."""
    return _decision(text) is not None


class UnbindForm(SimpleForm):
    """One question, whether to end the binding; the desk ends it and every process forgets it at once."""

    name = FLOW
    slots = (Slot("decision", "unbind_ask", accept_text=_decision, invalid="unbind_yes_or_no",
                  optional=True, answer_hint=_answers),)

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """End the binding on a yes; on a no nothing changes."""
        if state.slots["decision"] != "end":
            return [ctx.reply("unbind_kept", kind=ReplyKind.MENU)]
        conversation = ctx.conversation
        ended = await ctx.desk.unbind(conversation.channel, conversation.user_id)
        conversation.binding = None
        if ended is None:  # ended meanwhile (another device, an operator)
            return [ctx.reply("unbind_not_bound", kind=ReplyKind.MENU)]
        return [ctx.reply("unbind_done", kind=ReplyKind.MENU, customer_name=ended.customer_name)]


RUNNER = FormRunner(UnbindForm())


async def unbind(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """Say which account is bound and ask to confirm; nothing to do for the unbound or for a caller's number."""
    binding = ctx.conversation.binding
    if ctx.message.channel == CALLER_CHANNEL:
        return [ctx.reply("unbind_by_phone", kind=ReplyKind.MENU)]
    if binding is None:
        return [ctx.reply("unbind_not_bound", kind=ReplyKind.MENU)]
    current = ctx.reply("unbind_current", customer_name=binding.customer_name, contact_name=binding.contact_name)
    return [current, *await RUNNER.start(ctx, parse)]
