"""Slot filling (like Rasa forms): ask for what is missing, accept several slots at once, corrections, cancel, confirm."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable, Protocol

from dialogue.context import TurnContext
from dialogue.conversation import FlowState
from dialogue.types import Button, Reply, ReplyKind
from nlu import Parse
from nlu.payload import encode_payload

TextAcceptor = Callable[[str], str | None]

CHANGE_INTENT = "form_change"
"""Intent of the buttons offered after a 'no' at confirmation: which slot to change."""

SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny"})
"""Intents that never count as a free-text slot answer."""
CANCEL_WORDS = frozenset({"算了", "取消", "不用了", "不办了", "退出"})
"""Exact messages that always cancel, whatever the classifier says."""


def is_cancel(parse: Parse) -> bool:
    """Whether the customer drops what is going on."""
    return parse.text.strip("。！!.， ") in CANCEL_WORDS or (parse.intent == "cancel" and not parse.fallback)


@dataclass(frozen=True)
class Slot:
    """One piece of information a form needs and how to get it."""

    name: str
    question: str
    entities: tuple[str, ...] = ()
    accept_text: TextAcceptor | None = None
    invalid: str | None = None
    choices: tuple[tuple[str, str], ...] = ()


class Form(Protocol):
    """A flow built on slot filling; ends in an action."""

    name: str
    slots: tuple[Slot, ...]
    confirm: str | None

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
        self._fill_from_entities(state, parse)
        return await self._next(ctx, state)

    async def advance(self, ctx: TurnContext, parse: Parse) -> list[Reply]:
        """Handle one more message while the form is active."""
        state = ctx.conversation.flow
        assert state is not None and state.name == self.form.name
        if parse.intent == CHANGE_INTENT:
            return self._change(ctx, state, parse.first("slot"))
        filled = self._fill_from_entities(state, parse)
        if state.confirming and not filled:
            return await self._confirming(ctx, state, parse)
        if not filled and state.requested_slot and not state.confirming:
            rejected = self._fill_from_text(ctx, state, parse)
            if rejected:
                return rejected
        return await self._next(ctx, state)

    def is_answer(self, state: FlowState, parse: Parse) -> bool:
        """Whether ``parse`` fills one of this form's slots (so it is not an interruption)."""
        return any(parse.values(entity) for slot in self.form.slots for entity in slot.entities)

    def _fill_from_entities(self, state: FlowState, parse: Parse) -> bool:
        filled = False
        for slot in self.form.slots:
            for entity in slot.entities:
                value = parse.first(entity)
                if value:
                    state.slots[slot.name] = value
                    state.sources[slot.name] = entity
                    filled = True
                    break
        return filled

    def _fill_from_text(self, ctx: TurnContext, state: FlowState, parse: Parse) -> list[Reply]:
        slot = self._slot(state.requested_slot)
        value = slot.accept_text(parse.text) if slot.accept_text else None
        if value and (parse.intent not in SMALL_TALK or parse.fallback):
            state.slots[slot.name] = value
            state.sources[slot.name] = "text"
            return []
        return [ctx.reply(slot.invalid or "form_not_understood"), self._ask(ctx, slot)]

    async def _confirming(self, ctx: TurnContext, state: FlowState, parse: Parse) -> list[Reply]:
        if parse.intent == "affirm" and not parse.fallback:
            ctx.conversation.flow = None
            return await self.form.submit(ctx, state)
        if parse.intent == "deny" and not parse.fallback:
            buttons = tuple(
                Button(ctx.templates.label("slot", s.name), encode_payload(CHANGE_INTENT, slot=s.name))
                for s in self.form.slots
            )
            reply = ctx.reply("form_what_to_change", kind=ReplyKind.QUESTION)
            return [Reply(reply.text, buttons, reply.kind, reply.template)]
        return [ctx.reply("form_confirm_hint"), self._confirmation(ctx, state)]

    def _change(self, ctx: TurnContext, state: FlowState, slot_name: str | None) -> list[Reply]:
        if slot_name not in {s.name for s in self.form.slots}:
            return [ctx.reply("form_not_understood")]
        state.slots.pop(slot_name, None)
        state.confirming = False
        state.requested_slot = slot_name
        return [self._ask(ctx, self._slot(slot_name))]

    async def _next(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        missing = [s for s in self.form.slots if not state.slots.get(s.name)]
        if missing:
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
        return ctx.reply(self.form.confirm, kind=ReplyKind.CONFIRM, **self.form.summary(ctx, state))

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
