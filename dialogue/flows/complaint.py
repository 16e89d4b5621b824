"""投诉: what it is about (a ticket, a visit, a bill, the service) and whom, the customer's words, then a complaint ticket."""
from __future__ import annotations

import re
from dataclasses import replace

from backend_client import ComplaintAbout, Forbidden, NewComplaint, NotFound
from dialogue.context import TurnContext
from dialogue.conversation import FlowState
from dialogue.forms import FormRunner, Slot, named_slot
from dialogue.masking import mask_phone
from dialogue.turns import is_question
from dialogue.types import Reply, ReplyKind
from nlu import Parse

NOBODY = "none"
"""The `whom` value when the customer names no one (shown with the label complaint_whom.none)."""
SHORT_YES_CHARS = 8
"""At the confirmation a complaint this short ("要，登记投诉") is a yes; a longer one adds to the description."""
_ABOUT_WORDS = (
    (ComplaintAbout.VISIT, re.compile(r"上门|师傅|装维|维修(?:人员|工)|工程师|技术员|安装|施工队|现场|约好|没来|迟到|爽约")),
    (ComplaintAbout.BILL, re.compile(r"账单|帐单|扣费|扣钱|收费|话费|费用|多收|乱收|发票|计费|套餐费|月租|欠费")),
    (ComplaintAbout.TICKET, re.compile(r"工单|单子|单号|报障|报修|故障|处理(?:太慢|慢|不了)|修不好|没修好|拖")),
    (ComplaintAbout.SERVICE, re.compile(r"服务|客服|态度|热线|400|经理|整体|总体")),
)
"""Words that say what a complaint is about, the most specific first."""
_NOBODY = re.compile(r"^\W*(无|没有)\W*$|不知道|不清楚|不记得|记不得|记不清|忘了|不指定|跳过|说不清")
NOBODY_CHARS = 12
"""A "don't know" longer than this says something as well (叫什么不知道，工牌上好像是王): kept as said."""
_ASKED = re.compile(r"[？?]\s*$")
_ASKS_PERSON = re.compile(r"人工|转接|真人|接线员|找个人|找人")
_SAYS_COMPLAIN = re.compile(r"投诉|投拆|举报")
COMPLAINT_FLAG = "complaint"
PASSING_NOT = frozenset({"complaint", "report_fault", "request_human", "cancel", "deny"})
"""Intents whose own flows take a complaining post (a fault report keeps its form; the fault-back offers one)."""
_FILLER = re.compile(r"[\W_\d]+|我(?:要|想)?|投诉|一下|你们|请|帮我|麻烦|了|的|啊|呢|吧")


def read_about(text: str) -> str | None:
    """What the complaint is about, from the customer's words (None when they do not say)."""
    return next((about.value for about, words in _ABOUT_WORDS if words.search(text)), None)


def _in_words(text: str) -> bool:
    """Typed, not a button, and not asking for a person: an answer even when the NLU reads another request."""
    return not text.startswith("/") and not _ASKS_PERSON.search(text)


def _whom(text: str) -> str | None:
    text = text.strip()
    return NOBODY if not text or len(text) <= NOBODY_CHARS and _NOBODY.search(text) else text


def _no_number(text: str) -> str | None:
    """The ticket's number forgotten: the complaint goes on without the link."""
    return NOBODY if len(text.strip()) <= NOBODY_CHARS and _NOBODY.search(text) else None


def _description(text: str) -> str | None:
    text = text.strip()
    return text if len(_FILLER.sub("", text)) >= 2 else None


async def complaint_in_passing(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """A post that says "投诉" but reads as a billing or other question (帐单乱扣费，投诉！): the complaint flow."""
    if parse.intent in PASSING_NOT or parse.fallback:
        return []
    return await COMPLAINT.start(ctx, parse) if says_complain(parse) else []


def says_complain(parse: Parse) -> bool:
    """The complaint signal with the word itself (投诉, 举报): anger alone is no complaint to file."""
    return COMPLAINT_FLAG in parse.flags and bool(_SAYS_COMPLAIN.search(parse.text))


def says_what_happened(text: str) -> bool:
    """Whether a message says more than "I want to complain" (it is then the complaint's description)."""
    return len(_FILLER.sub("", text)) >= 4


class ComplaintForm:
    """The complaint flow; ``confirm`` is the confirmation template (the offer after a reopened fault has its own)."""

    name = "complaint"
    slots = (
        Slot("about", "ask_complaint_about", ("complaint_about",), accept_text=read_about,
             answer_hint=lambda text: _in_words(text) and len(text) <= NOBODY_CHARS and not is_question(text)
             and read_about(text) is not None,
             invalid="invalid_complaint_about", mentions=("投诉事项", "事项", "类别"), default=ComplaintAbout.SERVICE.value),
        Slot("ticket_id", "ask_complaint_ticket", ("ticket_id",), accept_text=_no_number, optional=True,
             answer_hint=lambda text: _no_number(text) is not None,
             invalid="invalid_ticket_id", mentions=("工单号", "单号"), when=lambda slots: slots.get("about") == ComplaintAbout.TICKET.value),
        Slot("whom", "ask_complaint_whom", accept_text=_whom, optional=True, mentions=("被投诉", "投诉对象", "人员", "工号"),
             answer_hint=lambda text: _in_words(text) and not _ASKED.search(text)),
        Slot("description", "ask_complaint_description", accept_text=_description, mentions=("内容", "经过", "描述"),
             answer_hint=lambda text: _in_words(text) and len(text) >= 6),
    )

    def __init__(self, confirm: str = "complaint_confirm"):
        self.confirm = confirm

    async def prefill(self, ctx: TurnContext, parse: Parse) -> dict[str, str]:
        """A first message that says what happened is the description, and often what it is about."""
        about = ComplaintAbout.TICKET.value if parse.first("ticket_id") else read_about(parse.text)
        told = says_what_happened(parse.text) and not parse.text.startswith("/")
        known = ctx.conversation.flow.slots if ctx.conversation.flow else {}   # what the starter already gave
        found = {"about": about or "", "description": parse.text.strip() if told else ""}
        return {name: value for name, value in found.items() if not known.get(name)}

    def summary(self, ctx: TurnContext, state: FlowState) -> dict[str, str]:
        """What the confirmation shows: about (with the ticket), whom, the customer's words (phones masked)."""
        slots = state.slots
        about = _about(slots.get("about", ""))
        ticket = _linked(slots) if about is ComplaintAbout.TICKET else None
        whom = slots.get("whom", NOBODY)
        return {
            "about": ctx.label("complaint_about", about.value) + (f" {ticket}" if ticket else ""),
            "whom": ctx.label("complaint_whom", NOBODY) if whom == NOBODY else whom,
            "description": mask_phone(slots.get("description", "")),
        }

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """Open the complaint ticket (idempotent per flow instance) and say its number and response time."""
        slots, binding = state.slots, ctx.conversation.binding
        whom, number = slots.get("whom", NOBODY), _linked(slots)
        complaint = NewComplaint(
            reporter=ctx.reporter, about=_about(slots.get("about", "")), text=slots["description"],
            idempotency_key=f"{ctx.conversation.id}:{state.instance_id}", ticket=number,
            whom=None if whom == NOBODY else whom,
            customer_id=binding.customer_id if binding else None,
            contact_id=binding.contact_id if binding else None,
            contact_phone=binding.mobile if binding else None,
        )
        try:
            opened = await ctx.desk.open_complaint(complaint)
        except (NotFound, Forbidden):   # a number that is not theirs: filed unlinked, the number kept in the text
            text = ctx.templates.text("complaint_unlinked_ticket", text=complaint.text, number=number)
            opened = await ctx.desk.open_complaint(replace(complaint, text=text, ticket=None))
        ticket = opened.ticket
        return [ctx.reply("complaint_opened", kind=ReplyKind.TICKET, number=ticket.number,
                          response_due=ctx.local_time(ticket.response_due_at))]


def _linked(slots: dict[str, str]) -> str | None:
    """The ticket complained about, unless the customer could not give its number."""
    number = slots.get("ticket_id")
    return number if number and number != NOBODY else None


def _about(value: str) -> ComplaintAbout:
    """The slot's value as the desk's type (a stray button value counts as the service in general)."""
    try:
        return ComplaintAbout(value)
    except ValueError:
        return ComplaintAbout.SERVICE


class ComplaintRunner(FormRunner):
    """Runs the complaint form; at its confirmation (or offer) "yes, file the complaint" in words files it, and more
    complaining is added to the description."""

    async def _confirming(self, ctx: TurnContext, state: FlowState, parse: Parse) -> list[Reply]:
        if parse.intent != ComplaintForm.name or parse.fallback or named_slot(self.form, parse.text) is not None:
            return await super()._confirming(ctx, state, parse)
        text = parse.text.strip()
        if len(text) <= SHORT_YES_CHARS:
            ctx.conversation.flow = None
            return await self.form.submit(ctx, state)
        state.slots["description"] = f"{state.slots.get('description', '')}；{text}".strip("；")
        return [self._confirmation(ctx, state)]


COMPLAINT = ComplaintRunner(ComplaintForm())
