"""What a message means inside a form, decided before any slot is filled: answer, digression, correction, cancel…"""
from __future__ import annotations

import re
from enum import Enum

from dialogue.conversation import FlowState
from dialogue.forms import CHANGE_INTENT, Form, Slot, named_slot, says_submit
from nlu import Parse

QUESTION_INTENTS = frozenset({"ask_faq", "billing_inquiry", "business_consult", "service_request"})
"""Questions no flow handles: the knowledge base answers them."""
DIGRESSION_INTENTS = QUESTION_INTENTS | {"query_outage", "query_ticket", "urge_ticket", "bind_account", "greet",
                                         "thank", "rate_service", "kb_feedback", "kb_article"}
"""Requests answered on the side while a form waits (the form's own intent is an answer, not a digression)."""
ASIDE_QUESTIONS = frozenset({"out_of_scope", "goodbye"})
"""Digressions only when asked as a question (你是机器人吗); otherwise a poor answer to the form's question."""
ASIDE_CONFIDENCE = 0.7
"""Below this, a side request without a question in it is taken as an attempt to answer the form."""
DIRECT_INTENTS = frozenset({"request_human", "complaint"})
"""Requests that end the form at once: a person is asked for."""
_STOP = re.compile(r"(不|别|甭)(用|要|需要|想)(报|办|弄|搞|修|查|登记|申报|处理|提交|等|投诉)?了"
                   r"|(不|别)(报|办|弄|搞|登记|申报|提交|等|投诉)了|先不(报|办|弄|搞|用|管|查|提交|投诉)"
                   r"|算了|取消|撤销|撤回|不需要|没事了|不用麻烦|退出|^\s*(不用|不要|不必)\W*$")
"""Ways of saying "stop" that the classifier may read as something else while a form runs."""
_CORRECTION = re.compile(r"不对|不是|错了|搞错|写错|说错|打错|填错|改成|改为|换成|换为|改一下|更正|应该是|修改|补充")
_QUESTION = re.compile(r"[？?]|怎么|如何|吗|为什么|为啥|多少|哪里|哪儿|什么|能不能|可不可以|是否|是不是|有没有")


class Move(str, Enum):
    """The five things a message inside a form can be (plus the direct ones that end it)."""

    ANSWER = "answer"
    DIGRESSION = "digression"
    CORRECTION = "correction"
    CANCEL = "cancel"
    SWITCH = "switch"
    DIRECT = "direct"


def is_question(text: str) -> bool:
    """Whether ``text`` is phrased as a question (？, 怎么, 吗, 是不是…)."""
    return bool(_QUESTION.search(text))


def says_stop(parse: Parse) -> bool:
    """The NLU's cancel intent, or a stop phrase the classifier read as something else."""
    if parse.intent == "cancel" and not parse.fallback:
        return True
    return bool(_STOP.search(parse.text)) and len(parse.text) <= 40


def classify(form: Form, state: FlowState, parse: Parse, trigger: str | None, outranks: bool) -> Move:
    """``trigger``: the flow the intent would start (None: none); ``outranks``: it has the higher priority."""
    if parse.intent == CHANGE_INTENT:
        return Move.CORRECTION
    if state.confirming and says_submit(parse.text) and not _STOP.search(parse.text):
        return Move.ANSWER
    if says_stop(parse) and not _fills(form, state, parse):
        return Move.CANCEL
    asked = _slot(form, state.requested_slot)
    free_text = asked is not None and asked.accept_text is not None and not asked.entities
    if asked is not None and not free_text and asked.answer_hint is not None and asked.answer_hint(parse.text):
        return Move.ANSWER   # a choice said in words the NLU reads as another request (工单, 账单)
    if _is_correction(form, state, parse, free_text):
        return Move.CORRECTION
    if trigger == state.name or parse.fallback:
        return Move.ANSWER
    if free_text and asked is not None and _free_answer(asked, parse):
        return Move.ANSWER
    if _fills(form, state, parse) and (len(form.slots) == 1 or not is_question(parse.text)):
        return Move.ANSWER   # the value asked for; in a one-question form even when phrased as a question
    if _fills_another(form, state, parse) and not is_question(parse.text):
        return Move.ANSWER   # the answer to a later question (an address when asked the service): kept, then re-asked
    if parse.intent in DIRECT_INTENTS:
        return Move.DIRECT
    if trigger is not None and outranks:
        return Move.SWITCH
    if parse.intent in ASIDE_QUESTIONS:
        return Move.DIGRESSION if is_question(parse.text) else Move.ANSWER
    if (parse.intent in DIGRESSION_INTENTS or trigger is not None) and _sure_aside(parse):
        return Move.DIGRESSION
    return Move.ANSWER


def _sure_aside(parse: Parse) -> bool:
    """A side request needs a question or a confident reading: an unsure statement is a poor answer to the form's
    question (上个月报的 when asked for a ticket number), to be asked again, not a reason to change the subject."""
    return parse.confidence >= ASIDE_CONFIDENCE or is_question(parse.text)


def _is_correction(form: Form, state: FlowState, parse: Parse, free_text: bool) -> bool:
    """A change to something already given: a marker or a "no", aimed at a filled slot (by entity or by name)."""
    if not (_CORRECTION.search(parse.text) or parse.intent == "deny"):
        return False
    for slot in form.slots:
        if slot.name == state.requested_slot and not state.confirming:
            continue
        if state.slots.get(slot.name) and any(parse.values(entity) for entity in slot.entities):
            return True
    target = named_slot(form, parse.text)
    if target is not None and (target.name != state.requested_slot or state.confirming):
        return True
    given = any(state.slots.get(slot.name) for slot in form.slots)
    return given and not free_text and parse.intent == "deny" and not state.confirming and len(parse.text.strip()) <= 8


def _free_answer(slot: Slot, parse: Parse) -> bool:
    """For a free-text question, a message that reads as the answer even if it is phrased as a question."""
    if slot.answer_hint is not None and slot.answer_hint(parse.text):
        return True
    return parse.intent not in DIGRESSION_INTENTS | DIRECT_INTENTS and not is_question(parse.text)


def _fills(form: Form, state: FlowState, parse: Parse) -> bool:
    """Whether the message carries a value for the slot being asked (a stop phrase inside an answer is no stop)."""
    asked = _slot(form, state.requested_slot)
    return asked is not None and any(parse.values(entity) for entity in asked.entities)


def _fills_another(form: Form, state: FlowState, parse: Parse) -> bool:
    """Whether the message carries a value for another empty slot this form will ask (one in force now)."""
    return any(slot.name != state.requested_slot and not state.slots.get(slot.name) and slot.in_force(state.slots)
               and any(parse.values(entity) for entity in slot.entities) for slot in form.slots)


def _slot(form: Form, name: str | None) -> Slot | None:
    return next((s for s in form.slots if s.name == name), None)
