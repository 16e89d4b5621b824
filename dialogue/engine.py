"""The dialogue engine: one entry point, `handle(InboundMessage) -> list[Reply]`, for every channel."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from backend_client import BackendUnavailable, ServiceDesk
from dialogue.context import TurnContext
from dialogue.conversation import Conversation, Owner, Turn, restore
from dialogue.flows.binding import BindAccountForm, BindCodeForm, offer_binding, welcome
from dialogue.flows.fault_report import FaultReportForm
from dialogue.flows.knowledge import knowledge
from dialogue.flows.outage import OutageForm
from dialogue.flows.survey import answer_survey
from dialogue.flows.ticket_status import TicketStatusForm, UrgeTicketForm
from dialogue.forms import FormRunner
from dialogue.store import ConversationStore, StoreUnavailable
from dialogue.templates import Templates
from dialogue.types import InboundMessage, MessageKind, Reply, ReplyKind, TurnFailed, utcnow
from nlu import Interpreter, Parse
from nlu.payload import parse_payload

log = logging.getLogger(__name__)

RUNNERS = {form.name: FormRunner(form) for form in (FaultReportForm(), TicketStatusForm(), UrgeTicketForm(),
                                                    BindAccountForm(), BindCodeForm(), OutageForm())}
TRIGGERS = {"report_fault": "fault_report", "query_ticket": "ticket_status", "urge_ticket": "urge_ticket",
            "bind_account": "bind_account"}
SIMPLE = {"greet": ReplyKind.MENU, "goodbye": ReplyKind.GOODBYE, "thank": ReplyKind.TEXT}
HANDOFF_INTENTS = frozenset({"request_human", "complaint"})
ATTACHMENT_KINDS = frozenset({MessageKind.IMAGE, MessageKind.LOCATION})
MAX_ATTACHMENTS = 20
CANCEL_WORDS = frozenset({"算了", "取消", "不用了", "不办了", "退出"})
"""Exact messages that always cancel, whatever the classifier says."""


@dataclass(frozen=True)
class EngineSettings:
    """Limits and locale of the engine."""

    timezone: str = "Asia/Shanghai"
    history_turns: int = 50
    max_text_chars: int = 2000
    bind_first_channels: frozenset[str] = frozenset({"wechat"})


class Engine:
    """Loads the conversation, understands the message, decides, saves, answers."""

    def __init__(self, interpreter: Interpreter, store: ConversationStore, desk: ServiceDesk,
                 templates: Templates, settings: EngineSettings = EngineSettings()):
        self._interpreter = interpreter
        self._store = store
        self._desk = desk
        self._templates = templates
        self._settings = settings
        self._timezone = ZoneInfo(settings.timezone)

    async def handle(self, message: InboundMessage) -> list[Reply]:
        """Run one turn; raises TurnFailed (with an apology to deliver) when it cannot."""
        try:
            async with self._store.lock(message.conversation_id):
                return await self._turn(message)
        except (BackendUnavailable, StoreUnavailable) as exc:
            log.error("turn.backend_unavailable conversation_id=%s error=%s", message.conversation_id, exc)
            raise TurnFailed("backend_unavailable", [self._apology(message, "backend_unavailable")]) from exc
        except Exception as exc:
            log.exception("turn.failed conversation_id=%s", message.conversation_id)
            raise TurnFailed("internal_error", [self._apology(message, "internal_error")]) from exc

    async def _turn(self, message: InboundMessage) -> list[Reply]:
        saved = await self._store.load(message.conversation_id)
        conversation = restore(saved, message.conversation_id, message.channel, message.user_id)
        if not conversation.binding_checked:
            conversation.binding = await self._desk.find_binding(message.channel, message.user_id)
            conversation.binding_checked = True
        ctx = TurnContext(conversation, message, self._templates, self._desk, self._timezone)
        parse = await self._understand(conversation, message.text[: self._settings.max_text_chars])
        replies = await self._decide(ctx, parse)
        self._remember(conversation, parse, replies)
        await self._store.save(conversation.id, conversation.to_dict())
        log.info("turn.done conversation_id=%s intent=%s confidence=%.2f replies=%s", conversation.id,
                 parse.intent, parse.confidence, ",".join(r.template or "-" for r in replies))
        return replies

    async def _understand(self, conversation: Conversation, text: str) -> Parse:
        """Button payloads and numbered choices need no model; everything else goes to the NLU."""
        text = text.strip()
        if text.isdigit() and 0 < int(text) <= len(conversation.pending_buttons):
            text = conversation.pending_buttons[int(text) - 1]
        return parse_payload(text) or await self._interpreter.parse(text)

    async def _decide(self, ctx: TurnContext, parse: Parse) -> list[Reply]:
        conversation = ctx.conversation
        if ctx.message.kind in ATTACHMENT_KINDS and not ctx.message.text.strip():
            return self._attach(ctx)
        if conversation.owner == Owner.WAITING_AGENT:
            return self._while_waiting(ctx, parse)
        if conversation.owner == Owner.AGENT:
            return []
        if self._is_cancel(parse):
            had_flow, conversation.flow = conversation.flow is not None, None
            return [ctx.reply("cancelled" if had_flow else "nothing_to_cancel", kind=ReplyKind.MENU)]
        if parse.intent in HANDOFF_INTENTS and not parse.fallback:
            return self._hand_off(ctx)
        runner = RUNNERS.get(conversation.flow.name) if conversation.flow else None
        if runner is None and conversation.flow is not None:
            log.warning("conversation.flow_unknown conversation_id=%s flow=%s", conversation.id, conversation.flow.name)
            conversation.flow = None
        trigger = TRIGGERS.get(parse.intent) if not parse.fallback else None
        if runner is not None and not (trigger and trigger != conversation.flow.name
                                       and not runner.is_answer(conversation.flow, parse)):
            return await runner.advance(ctx, parse)
        rated = await answer_survey(ctx, parse)
        if rated:
            return rated
        if trigger:
            offer = offer_binding(ctx, parse, self._settings.bind_first_channels)
            return offer or await RUNNERS[trigger].start(ctx, parse)
        if parse.intent == "subscribe":
            return welcome(ctx)
        answered = await knowledge(ctx, parse)
        if answered:
            return answered
        if parse.intent in SIMPLE and not parse.fallback:
            return [ctx.reply(parse.intent, kind=SIMPLE[parse.intent])]
        return [ctx.reply("fallback" if parse.fallback else "unsupported", kind=ReplyKind.MENU)]

    def _attach(self, ctx: TurnContext) -> list[Reply]:
        """Keep a picture or a location with the conversation (the agent sees it) and acknowledge it."""
        message = ctx.message
        ctx.conversation.attachments.append({"kind": message.kind.value, "at": message.received_at.isoformat(),
                                             **message.metadata})
        del ctx.conversation.attachments[:-MAX_ATTACHMENTS]
        return [ctx.reply(f"attachment_{message.kind.value}")]

    def _hand_off(self, ctx: TurnContext) -> list[Reply]:
        """Record that the conversation waits for an agent (the agent desk picks it up)."""
        ctx.conversation.owner = Owner.WAITING_AGENT
        ctx.conversation.flow = None
        log.info("handoff.requested conversation_id=%s", ctx.conversation.id)
        return [ctx.reply("handoff_queued", kind=ReplyKind.HANDOFF)]

    def _while_waiting(self, ctx: TurnContext, parse: Parse) -> list[Reply]:
        if self._is_cancel(parse):
            ctx.conversation.owner = Owner.BOT
            return [ctx.reply("handoff_cancelled", kind=ReplyKind.MENU)]
        return [ctx.reply("handoff_waiting", kind=ReplyKind.HANDOFF)]

    @staticmethod
    def _is_cancel(parse: Parse) -> bool:
        return parse.text.strip("。！!.， ") in CANCEL_WORDS or (parse.intent == "cancel" and not parse.fallback)

    def _remember(self, conversation: Conversation, parse: Parse, replies: list[Reply]) -> None:
        with_buttons = [r for r in replies if r.buttons]
        conversation.pending_buttons = [b.payload for b in with_buttons[-1].buttons] if with_buttons else []
        turn = Turn(at=utcnow().isoformat(), user=parse.text, intent=parse.intent,
                    confidence=round(parse.confidence, 4), replies=[r.text for r in replies],
                    templates=[r.template or "" for r in replies])
        conversation.add_turn(turn, self._settings.history_turns)

    def _apology(self, message: InboundMessage, name: str) -> Reply:
        return self._templates.reply(name, message.channel, ReplyKind.ERROR)
