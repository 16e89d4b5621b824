"""Where a message goes: into the active form as answer, correction or cancel, aside as a digression, or to a flow."""
from __future__ import annotations

import logging

from dialogue.context import TurnContext
from dialogue.conversation import Conversation
from dialogue.flows.binding import offer_binding
from dialogue.registry import Registry
from dialogue.turns import Move, classify, says_stop
from dialogue.types import Reply, ReplyKind
from nlu import Interpreter, Parse

log = logging.getLogger(__name__)


class Router:
    """Runs one message against the conversation's form and the registered flows."""

    def __init__(self, flows: Registry, interpreter: Interpreter, bind_first_channels: frozenset[str]):
        self._flows = flows
        self._interpreter = interpreter
        self._bind_first = bind_first_channels

    async def route(self, ctx: TurnContext, parse: Parse) -> list[Reply]:
        """The replies to ``parse``; a form paused for a digression resumes (its question again) once that ends."""
        conversation = ctx.conversation
        if conversation.switch is not None:
            replies = await self._switch_answered(ctx, parse)
        elif conversation.flow is not None:
            replies = await self._in_form(ctx, parse)
        else:
            replies = await self._outside(ctx, parse)
        return self._not_thrice(ctx, replies + self._resume(ctx))

    async def _in_form(self, ctx: TurnContext, parse: Parse) -> list[Reply]:
        conversation = ctx.conversation
        self._back_to_paused(conversation, parse)
        state = conversation.flow
        assert state is not None
        flow = self._flows.get(state.name)
        if flow is None or flow.form is None:
            log.warning("conversation.flow_unknown conversation_id=%s flow=%s", conversation.id, state.name)
            conversation.flow = None
            return await self._outside(ctx, parse)
        trigger = self._flows.trigger(parse)
        outranks = trigger is not None and trigger.priority > flow.priority
        move = classify(flow.form.form, state, parse, trigger.name if trigger else None, outranks)
        log.info("form.turn conversation_id=%s flow=%s move=%s", conversation.id, state.name, move.value)
        if move is Move.CANCEL:
            conversation.flow = conversation.paused = None
            if trigger is not None and trigger.name != state.name and parse.intent != "cancel":
                return await self._outside(ctx, parse)   # "never mind that, my line is down": the new request
            return [ctx.reply("cancelled", kind=ReplyKind.MENU)]
        if move is Move.CORRECTION:
            return await flow.form.correct(ctx, state, parse)
        if move is Move.ANSWER:
            return await flow.form.advance(ctx, parse)
        if move is Move.SWITCH and trigger is not None:
            conversation.switch = {"flow": trigger.name, "text": parse.text}
            return [ctx.reply("form_switch_offer", kind=ReplyKind.QUESTION, new=ctx.label("flow", trigger.name),
                              current=ctx.label("flow", state.name))]
        if move is Move.DIGRESSION and conversation.paused is None:
            conversation.paused = state
        elif move is Move.DIRECT:
            conversation.paused = None
        conversation.flow = None
        return await self._outside(ctx, parse)

    async def _switch_answered(self, ctx: TurnContext, parse: Parse) -> list[Reply]:
        """Yes: the urgent request starts from the message that asked for it; no: the form goes on."""
        conversation = ctx.conversation
        offer, conversation.switch = conversation.switch or {}, None
        if parse.intent == "affirm" and not parse.fallback:
            conversation.flow = conversation.paused = None
            return await self._outside(ctx, await self._interpreter.parse(offer.get("text", "")))
        flow = self._flows.get(conversation.flow.name) if conversation.flow else None
        if (parse.intent == "deny" or says_stop(parse)) and flow is not None and flow.form is not None:
            assert conversation.flow is not None
            return flow.form.reask(ctx, conversation.flow)
        return await self.route(ctx, parse)

    async def _outside(self, ctx: TurnContext, parse: Parse) -> list[Reply]:
        """The first registered flow that takes the message; unsure twice in a row offers a person or a ticket."""
        if parse.intent == "cancel" and not parse.fallback:
            return [ctx.reply("nothing_to_cancel", kind=ReplyKind.MENU)]
        for flow in self._flows.candidates(parse):
            offer = offer_binding(ctx, parse, self._bind_first) if flow.account else []
            replies = offer or await flow.run(ctx, parse)
            if replies:
                return self._not_again(ctx, replies)
        return self._not_again(ctx, [ctx.reply("fallback" if parse.fallback else "unsupported", kind=ReplyKind.MENU)])

    def _back_to_paused(self, conversation: Conversation, parse: Parse) -> None:
        """Details for the paused form, none for the digression's own question: the digression is dropped."""
        if conversation.paused is None or conversation.flow is None:
            return
        current, paused = self._flows.get(conversation.flow.name), self._flows.get(conversation.paused.name)
        if current is None or current.form is None or paused is None or paused.form is None:
            return
        if paused.form.takes(parse) and not current.form.takes(parse):
            conversation.flow, conversation.paused = conversation.paused, None

    def _resume(self, ctx: TurnContext) -> list[Reply]:
        conversation = ctx.conversation
        if conversation.flow is not None or conversation.paused is None or conversation.switch is not None:
            return []
        conversation.flow, conversation.paused = conversation.paused, None
        flow = self._flows.get(conversation.flow.name)
        return flow.form.reask(ctx, conversation.flow) if flow is not None and flow.form is not None else []

    @staticmethod
    def _not_thrice(ctx: TurnContext, replies: list[Reply]) -> list[Reply]:
        """The very question (same words) asked in each of the last two turns is not asked a third time: a hint."""
        asks = [r for r in replies if r.kind in (ReplyKind.QUESTION, ReplyKind.CONFIRM)]
        history = ctx.conversation.history[-2:]
        if not asks or len(history) < 2 or not all(asks[-1].text in turn.replies for turn in history):
            return replies
        hint = ctx.reply("form_still_pending", kind=ReplyKind.TEXT)
        return [hint if reply is asks[-1] else reply for reply in replies]

    @staticmethod
    def _not_again(ctx: TurnContext, replies: list[Reply]) -> list[Reply]:
        """A second "please rephrase" (or "can't do that") in a row becomes the offer of an agent or a ticket."""
        history, lost = ctx.conversation.history, {"fallback", "unsupported"}
        if {r.template for r in replies} <= lost and history and lost & set(history[-1].templates):
            return [ctx.reply("fallback_offer", kind=ReplyKind.MENU)]
        return replies
