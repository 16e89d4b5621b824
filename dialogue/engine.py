"""The dialogue engine: one entry point, `handle(InboundMessage) -> list[Reply]`, for every channel."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from backend_client import BackendUnavailable, CustomerDesk
from dialogue.bus import InProcessBus
from dialogue.context import TurnContext
from dialogue.conversation import Conversation, Owner, Turn, restore
from dialogue.flows import HANDOFF, default_flows
from dialogue.handoff import Handoff
from dialogue.registry import Registry
from dialogue.router import Router
from dialogue.store import ConversationStore, StoreUnavailable, turn_order
from dialogue.templates import Templates
from dialogue.turns import says_stop
from dialogue.types import InboundMessage, MessageKind, Reply, ReplyKind, TurnFailed, utcnow
from nlu import Interpreter, Parse
from nlu.payload import parse_payload

log = logging.getLogger(__name__)

ATTACHMENT_KINDS = frozenset({MessageKind.IMAGE, MessageKind.LOCATION})
UNREADABLE_KINDS = frozenset({MessageKind.VOICE, MessageKind.BUTTON, MessageKind.UNSUPPORTED})
"""Kinds that arrive without words when the channel could not read them (no transcript, an unknown menu key…)."""
MAX_ATTACHMENTS = 20


@dataclass(frozen=True)
class EngineSettings:
    """Limits and locale of the engine."""

    timezone: str = "Asia/Shanghai"
    history_turns: int = 50
    max_text_chars: int = 2000
    bind_first_channels: frozenset[str] = frozenset({"wechat"})


class Engine:
    """Loads the conversation, understands the message, decides, saves, answers."""

    def __init__(self, interpreter: Interpreter, store: ConversationStore, desk: CustomerDesk,
                 templates: Templates, settings: EngineSettings = EngineSettings(),
                 flows: Registry | None = None, handoff: Handoff | None = None):
        self._interpreter = interpreter
        self._flows = flows or default_flows()
        self._router = Router(self._flows, interpreter, settings.bind_first_channels)
        self._handoff = handoff or Handoff(InProcessBus())
        self._store = store
        self._desk = desk
        self._templates = templates
        self._settings = settings
        self._timezone = ZoneInfo(settings.timezone)

    async def handle(self, message: InboundMessage) -> list[Reply]:
        """Run one turn; raises TurnFailed (with an apology to deliver) when it cannot."""
        try:
            async with self._store.lock(message.conversation_id, turn_order(message)):
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
        # every turn: the desk answers from memory, and an unbound or rebound contact loses access at once
        conversation.binding = await self._desk.find_binding(message.channel, message.user_id)
        if message.kind == MessageKind.HANGUP:
            return await self._hung_up(conversation)
        ctx = TurnContext(conversation, message, self._templates, self._desk, self._timezone, self._handoff)
        if message.kind == MessageKind.WAITED:
            parse = Parse("", "handoff_timeout", 1.0)
            replies = await self._handoff.expire(ctx, parse)
            if not replies:
                return []   # taken by an agent, or the customer moved on: nothing to say, nothing to save
        else:
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
        if ctx.message.kind in UNREADABLE_KINDS and not ctx.message.text.strip():
            return [ctx.reply(f"unreadable_{ctx.message.kind.value}")]
        if conversation.owner == Owner.AGENT:
            return await self._handoff.to_agent(ctx)
        if conversation.owner == Owner.WAITING_AGENT and conversation.flow is None:
            trigger, own = self._flows.trigger(parse), self._flows.get(HANDOFF)
            outranks = trigger is not None and own is not None and trigger.priority > own.priority
            return await self._handoff.waiting(ctx, parse, says_stop(parse), outranks, self._router.route)
        return await self._router.route(ctx, parse)

    async def _hung_up(self, conversation: Conversation) -> list[Reply]:
        """The call ended: what was left unfinished is noted on the conversation, nothing is opened, no reply."""
        unfinished = conversation.flow
        note = f"{unfinished.name}: {unfinished.slots}" if unfinished else ""
        conversation.flow = conversation.paused = conversation.switch = None
        if conversation.owner == Owner.WAITING_AGENT:
            await self._handoff.abandon(conversation, "hung_up")
        conversation.add_turn(Turn(at=utcnow().isoformat(), user="", intent="call_ended", confidence=None,
                                   replies=[], templates=[], note=note), self._settings.history_turns)
        await self._store.save(conversation.id, conversation.to_dict())
        log.info("turn.call_ended conversation_id=%s unfinished=%s", conversation.id,
                 unfinished.name if unfinished else "-")
        return []

    def _attach(self, ctx: TurnContext) -> list[Reply]:
        """Keep a picture or a location with the conversation (the agent sees it) and acknowledge it."""
        message = ctx.message
        ctx.conversation.attachments.append({"kind": message.kind.value, "at": message.received_at.isoformat(),
                                             **message.metadata})
        del ctx.conversation.attachments[:-MAX_ATTACHMENTS]
        return [ctx.reply(f"attachment_{message.kind.value}")]

    def _remember(self, conversation: Conversation, parse: Parse, replies: list[Reply]) -> None:
        with_buttons = [r for r in replies if r.buttons]
        conversation.pending_buttons = [b.payload for b in with_buttons[-1].buttons] if with_buttons else []
        turn = Turn(at=utcnow().isoformat(), user=parse.text, intent=parse.intent,
                    confidence=round(parse.confidence, 4), replies=[r.text for r in replies],
                    templates=[r.template or "" for r in replies])
        conversation.add_turn(turn, self._settings.history_turns)

    def _apology(self, message: InboundMessage, name: str) -> Reply:
        return self._templates.reply(name, message.channel, ReplyKind.ERROR)
