"""Slot filling (like Rasa forms): ask what is missing, take several slots at once, corrections, misses, confirm."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Callable, Protocol, cast

from dialogue.context import TurnContext
from dialogue.conversation import FlowState
from dialogue.masking import mask_phone
from dialogue.types import Button, Reply, ReplyKind
from nlu import Parse
from nlu.payload import encode_payload

TextAcceptor = Callable[[str], str | None]

CHANGE_INTENT = "form_change"
"""Intent of the buttons offered after a 'no' at confirmation: which slot to change."""

SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny"})
"""Intents that never count as a free-text slot answer."""
MAX_MISSES = 2
"""Answers a slot may fail in a row before the form stops asking it (default value, or agent/cancel offered)."""
_YES = re.compile(r"(提交|确认|确定|没问题|可以|对的?|是的?|好的?|行|ok|yes)(吧|的|了|提交|确认)?[。！!~～.]*", re.I)
"""At the confirmation, plain "submit it" words are a yes even when the classifier is unsure."""
SUBMIT = re.compile(r"提交")
"""A yes at the confirmation wherever it stands in the message (好了提交吧)."""
_WANT = re.compile(r"(要|需要|要的)(吧|的|了|登记|提交)?[。！!~～.]*")
"""A bare "want it" at a confirmation that offers something (登记投诉吗？ 要), whatever the classifier read."""
_AFTER_MARKER = re.compile(r"(?:改成|改为|换成|换为|应该是|改一下|更正为|补充(?:一下)?(?:描述|说明)?|是)[:：,，\s]*")
SHOWN_CHARS = 30
"""A corrected value longer than this is said back shortened."""
_ADD = "补充"
"""A correction that adds to a free-text slot rather than replacing it."""


@dataclass(frozen=True)
class Slot:
    """One piece of information a form needs and how to get it."""

    name: str
    question: str
    entities: tuple[str, ...] = ()
    accept_text: TextAcceptor | None = None
    invalid: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    mentions: tuple[str, ...] = ()
    """Words customers use for this slot when they correct it (电话、地址…)."""
    answer_hint: Callable[[str], bool] | None = None
    """Whether a message reads as the answer: for a free-text slot even when phrased as a question, for another
    slot even when the NLU reads it as another request."""
    default: str | None = None
    """Filled in when the customer cannot give the slot after MAX_MISSES tries (None: offer an agent instead)."""
    when: Callable[[dict[str, str]], bool] | None = None
    """Asked only when this holds for the slots given so far (None: always asked)."""
    optional: bool = False
    """Any answer is taken, a "no" or "don't know" included (the acceptor turns it into a value)."""

    def in_force(self, given: dict[str, str]) -> bool:
        """Whether the form asks this slot, given the slots filled so far."""
        return self.when is None or self.when(given)

    @property
    def free_text(self) -> bool:
        """Any text answers it (entities found in the text still fill their own slots)."""
        return self.accept_text is not None and not self.entities


class Form(Protocol):
    """A flow built on slot filling; ends in an action."""

    @property
    def name(self) -> str:
        """The flow's name (conversation state and the registry use it)."""
        ...

    @property
    def slots(self) -> tuple[Slot, ...]:
        """The slots asked for, in order."""
        ...

    @property
    def confirm(self) -> str | None:
        """The confirmation template, or None when the form submits without asking."""
        ...

    async def prefill(self, ctx: TurnContext, parse: Parse) -> dict[str, str]:
        """Slots known before asking anything (from the first message or the customer binding)."""
        ...

    def summary(self, ctx: TurnContext, state: FlowState) -> dict[str, str]:
        """The values the confirmation template shows."""
        ...

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """The action at the end of the form."""
        ...


class SimpleForm:
    """Defaults for forms that know nothing in advance and are never confirmed."""

    confirm: str | None = None

    async def prefill(self, ctx: TurnContext, parse: Parse) -> dict[str, str]:
        """Nothing is known before the customer says it."""
        return {}

    def summary(self, ctx: TurnContext, state: FlowState) -> dict[str, str]:
        """No confirmation step."""
        return {}


@dataclass
class FormRunner:
    """Drives one form through the turns of a conversation."""

    form: Form

    async def start(self, ctx: TurnContext, parse: Parse, known: dict[str, str] | None = None) -> list[Reply]:
        """Begin the form with what the caller already ``known`` and what the first message says."""
        state = FlowState(name=self.form.name, instance_id=uuid.uuid4().hex, slots=dict(known or {}))
        ctx.conversation.flow = state
        for name, value in (await self.form.prefill(ctx, parse)).items():
            if value:
                state.slots[name] = value
        self._fill_from_entities(state, parse, overwrite=True)
        return await self._next(ctx, state)

    async def advance(self, ctx: TurnContext, parse: Parse) -> list[Reply]:
        """An answer: entities fill their own empty slots, the text fills the slot asked (free text always)."""
        state = ctx.conversation.flow
        assert state is not None and state.name == self.form.name
        if parse.intent == CHANGE_INTENT:
            return self._change(ctx, state, parse.first("slot"))
        filled = self._fill_from_entities(state, parse, overwrite=state.confirming)
        if state.confirming:
            return await self._next(ctx, state) if filled else await self._confirming(ctx, state, parse)
        asked = self._find(state.requested_slot)
        if asked is not None and asked.name not in filled and (not filled or asked.free_text and _residue(parse)):
            missed = self._fill_from_text(ctx, state, asked, parse)
            if missed:
                return missed
        return await self._next(ctx, state)

    async def correct(self, ctx: TurnContext, state: FlowState, parse: Parse) -> list[Reply]:
        """A change in words: a new entity value (not the negated one), or a slot named with its new value."""
        if parse.intent == CHANGE_INTENT:
            return self._change(ctx, state, parse.first("slot"))
        for slot in self.form.slots:
            current = state.slots.get(slot.name)
            said = [e for e in parse.entities if e.entity in slot.entities]
            fresh = [e for e in said if not negated(parse.text, e.start) and e.value != current]
            if fresh:
                state.slots[slot.name], state.sources[slot.name] = fresh[-1].value, fresh[-1].entity
                return await self._corrected(ctx, state, slot)
            if current and any(e.value == current and negated(parse.text, e.start) for e in said):
                return self._change(ctx, state, slot.name)
        target = named_slot(self.form, parse.text)
        if target is None:
            return [self._what_to_change(ctx)]
        value = after_marker(parse.text)
        accepted = target.accept_text(value) if value and target.accept_text else None
        if not accepted:
            return self._change(ctx, state, target.name)
        if _ADD in parse.text and target.free_text and state.slots.get(target.name):
            accepted = f"{state.slots[target.name]}；{accepted}"
        state.slots[target.name], state.sources[target.name] = accepted, "text"
        return await self._corrected(ctx, state, target)

    async def _corrected(self, ctx: TurnContext, state: FlowState, slot: Slot) -> list[Reply]:
        """The changed value said back before the next question (a confirmation shows it anyway)."""
        following = await self._next(ctx, state)
        if state.confirming or ctx.conversation.flow is not state:
            return following
        value = state.slots[slot.name]
        shown = mask_phone(value) if "phone_number" in slot.entities else shorten(value)
        return [ctx.reply("form_corrected", slot=ctx.label("slot", slot.name), value=shown), *following]

    def takes(self, parse: Parse) -> bool:
        """Whether ``parse`` names a value for any slot of this form."""
        return any(e.entity in slot.entities for slot in self.form.slots for e in parse.entities)

    def reask(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """The pending question (or the confirmation) again, after a digression."""
        if state.confirming:
            return [self._confirmation(ctx, state)]
        asked = self._find(state.requested_slot)
        return [self._ask(ctx, asked)] if asked is not None else []

    def _fill_from_entities(self, state: FlowState, parse: Parse, overwrite: bool) -> set[str]:
        """Entities fill empty slots and the slot asked; a filled one changes at confirmation or by correction."""
        filled = set()
        for slot in self.form.slots:
            if state.slots.get(slot.name) and not overwrite and slot.name != state.requested_slot:
                continue
            found = next((e for e in parse.entities if e.entity in slot.entities), None)
            if found is not None:
                state.slots[slot.name], state.sources[slot.name] = found.value, found.entity
                filled.add(slot.name)
        return filled

    def _fill_from_text(self, ctx: TurnContext, state: FlowState, slot: Slot, parse: Parse) -> list[Reply]:
        """Take the text for ``slot``; a miss is explained, and after MAX_MISSES the slot stops being asked."""
        value = slot.accept_text(parse.text) if slot.accept_text else None
        plainly = parse.intent not in SMALL_TALK or parse.fallback or bool(slot.choices) or slot.optional
        if value and (plainly or (slot.free_text and len(value) > 6)):
            state.slots[slot.name], state.sources[slot.name] = value, "text"
            return []
        state.misses += 1
        if state.misses < MAX_MISSES:
            return [ctx.reply(slot.invalid or "form_not_understood"), self._ask(ctx, slot)]
        state.misses = 0
        if slot.default is not None:
            state.slots[slot.name], state.sources[slot.name] = slot.default, "default"
            return []
        return [ctx.reply("form_stuck", kind=ReplyKind.MENU)]

    async def _confirming(self, ctx: TurnContext, state: FlowState, parse: Parse) -> list[Reply]:
        text = parse.text.strip()
        if parse.intent == "affirm" and not parse.fallback or says_yes(text):
            ctx.conversation.flow = None
            return await self.form.submit(ctx, state)
        if parse.intent == "deny" and not parse.fallback:
            return [self._what_to_change(ctx)]
        named = named_slot(self.form, parse.text)
        if named is not None:
            return self._change(ctx, state, named.name)
        return [ctx.reply("form_confirm_hint"), self._confirmation(ctx, state)]

    def _what_to_change(self, ctx: TurnContext) -> Reply:
        buttons = tuple(Button(ctx.label("slot", s.name), encode_payload(CHANGE_INTENT, slot=s.name))
                        for s in self.form.slots)
        reply = ctx.reply("form_what_to_change", kind=ReplyKind.QUESTION)
        return Reply(reply.text, buttons, reply.kind, reply.template)

    def _change(self, ctx: TurnContext, state: FlowState, slot_name: str | None) -> list[Reply]:
        if slot_name not in {s.name for s in self.form.slots}:
            return [ctx.reply("form_not_understood")]
        state.slots.pop(slot_name, None)
        state.confirming = False
        state.requested_slot = slot_name
        return [self._ask(ctx, self._slot(slot_name))]

    async def _next(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        missing = [s for s in self.form.slots if not state.slots.get(s.name) and s.in_force(state.slots)]
        if missing:
            if state.requested_slot != missing[0].name:
                state.misses = 0
            state.requested_slot = missing[0].name
            state.confirming = False
            return [self._ask(ctx, missing[0])]
        state.requested_slot = None
        if self.form.confirm is None:
            ctx.conversation.flow = None
            return await self.form.submit(ctx, state)
        state.confirming = True
        return [self._confirmation(ctx, state)]

    def _confirmation(self, ctx: TurnContext, state: FlowState) -> Reply:
        template = cast(str, self.form.confirm)  # confirming is only ever set for a form with a confirmation
        return ctx.reply(template, kind=ReplyKind.CONFIRM, **self.form.summary(ctx, state))

    def _ask(self, ctx: TurnContext, slot: Slot) -> Reply:
        reply = ctx.reply(slot.question, kind=ReplyKind.QUESTION)
        if not slot.choices:
            return reply
        entity = slot.entities[0]
        buttons = tuple(Button(title, encode_payload("provide_info", **{entity: value}))
                        for title, value in slot.choices)
        return Reply(reply.text, reply.buttons + buttons, reply.kind, reply.template)

    def _slot(self, name: str | None) -> Slot:
        return next(s for s in self.form.slots if s.name == name)

    def _find(self, name: str | None) -> Slot | None:
        return next((s for s in self.form.slots if s.name == name), None)


def shorten(value: str, limit: int = SHOWN_CHARS) -> str:
    """A long answer as said back: its start and an ellipsis."""
    return value if len(value) <= limit else value[:limit] + "…"


def says_submit(text: str) -> bool:
    """"Submit it" or a bare "want it" at a confirmation (提交吧, 要), whatever the classifier read."""
    return bool(SUBMIT.search(text) or _WANT.fullmatch(text.strip()))


def says_yes(text: str) -> bool:
    """A plain yes at a confirmation (好的, 可以) as well."""
    return bool(_YES.fullmatch(text.strip())) or says_submit(text)


def _residue(parse: Parse) -> bool:
    """Whether the message says more than its entities (a bare phone number is no description)."""
    text = parse.text
    for entity in sorted(parse.entities, key=lambda e: -e.start):
        text = text[:entity.start] + text[entity.end:]
    return len(re.sub(r"[\W_]+", "", text)) >= 2


def negated(text: str, start: int) -> bool:
    """Whether the value at ``start`` is what the customer says it is *not* (不是专线，是宽带)."""
    return bool(re.search(r"(不是|并非|而非|非)\s*$", text[max(0, start - 4):start]))


def named_slot(form: Form, text: str) -> Slot | None:
    """The slot the customer names in words (电话、地址…), the longest mention first."""
    mentioned = [(len(word), slot) for slot in form.slots for word in slot.mentions if word in text]
    return max(mentioned, key=lambda m: m[0])[1] if mentioned else None


def after_marker(text: str) -> str:
    """What follows the last "改成/换成/应该是/是" of a correction, a trailing "不是…" left out ("" when nothing)."""
    parts = _AFTER_MARKER.split(re.sub(r"[，,]?\s*而?不是[^，,。]*[。！!]?$", "", text))
    return parts[-1].strip(" 。！!，,") if len(parts) > 1 else ""
