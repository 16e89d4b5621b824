"""Hand-off to a human agent, the customer's side: bot -> waiting -> agent -> bot, with hours, availability, timeout."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Callable, Protocol

from dialogue.bus import Bus, EventKind, HandoffEvent
from dialogue.context import TurnContext
from dialogue.conversation import Conversation, HandoffState, Owner
from dialogue.flows.callback import offer_callback
from dialogue.registry import Handler
from dialogue.types import Reply, ReplyKind, utcnow
from nlu import Parse

log = logging.getLogger(__name__)

REASONS = frozenset({"request_human", "complaint"})
"""Intents that ask for a person; the reason travels with the events and the callback ticket."""
STAY_INTENTS = REASONS | frozenset({"greet", "thank", "affirm", "deny", "provide_info", "out_of_scope"})
"""While waiting, these keep the customer in the queue; any other recognised request leaves it."""


@dataclass(frozen=True)
class BusinessHours:
    """When agents answer chats, in the desk's time zone: ISO weekdays, opening times, holidays."""

    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    opens: time = time(8, 30)
    closes: time = time(17, 30)
    holidays: frozenset[date] = frozenset()

    def is_open(self, local: datetime) -> bool:
        """Whether ``local`` (already in the desk's zone) falls in the hours."""
        return (local.isoweekday() in self.weekdays and local.date() not in self.holidays
                and self.opens <= local.time() < self.closes)


@dataclass(frozen=True)
class HandoffSettings:
    """The `handoff` config section: whether agents take chats, which group, their hours, how long one waits."""

    enabled: bool = True
    group: str = "gd-400"
    waiting_timeout_s: float = 300.0
    hours: BusinessHours | None = None
    """None: agents answer around the clock."""


class AgentAvailability(Protocol):
    """Whether anyone can take a chat now (the agent desk implements it; the config gives the default)."""

    async def available(self, group: str) -> bool:
        """True when an agent of ``group`` can take a new conversation."""
        ...


@dataclass(frozen=True)
class ConfiguredAvailability:
    """Availability as the config states it, until an agent desk reports real presence."""

    value: bool = True

    async def available(self, group: str) -> bool:
        """The configured answer, whatever the group."""
        return self.value


class Handoff:
    """The state machine the engine drives for the customer's messages; events go on the bus."""

    def __init__(self, bus: Bus, settings: HandoffSettings = HandoffSettings(),
                 availability: AgentAvailability = ConfiguredAvailability(),
                 clock: Callable[[], datetime] = utcnow):
        self.bus = bus
        self._settings = settings
        self._availability = availability
        self._clock = clock

    async def request(self, ctx: TurnContext, parse: Parse) -> list[Reply]:
        """Queue the conversation for an agent, or say why nobody can come and offer a callback ticket at once."""
        conversation = ctx.conversation
        if conversation.owner != Owner.BOT:
            return [ctx.reply("handoff_waiting", kind=ReplyKind.HANDOFF)]
        said = parse.first("reason") or parse.intent   # the complaint flow's 转人工 button says why
        reason = said if said in REASONS else "request_human"
        refused = await self._refusal(ctx)
        if refused is not None:
            return [refused, *await offer_callback(ctx, parse, reason)]
        conversation.owner, conversation.flow = Owner.WAITING_AGENT, None
        conversation.handoff = HandoffState(reason, self._clock().isoformat(), self._settings.group)
        await self._publish(EventKind.REQUESTED, conversation, text=_summary(ctx), reason=reason)
        return [ctx.reply("handoff_queued", kind=ReplyKind.HANDOFF)]

    async def waiting(self, ctx: TurnContext, parse: Parse, cancel: bool, outranks: bool,
                      route: Handler) -> list[Reply]:
        """A message while queued: cancel, run an urgent request keeping the place, leave for another, or wait."""
        conversation = ctx.conversation
        if outranks:
            return [ctx.reply("handoff_kept"), *await route(ctx, parse)]
        if _asks_something_else(parse) and parse.intent != "cancel":
            await self.abandon(conversation, "left")
            return [ctx.reply("handoff_left"), *await route(ctx, parse)]
        if cancel:
            await self.abandon(conversation, "cancelled")
            return [ctx.reply("handoff_cancelled", kind=ReplyKind.MENU)]
        expired = await self.expire(ctx, parse)
        if expired:
            return expired
        await self._publish(EventKind.MESSAGE, conversation, text=ctx.message.text)
        return [ctx.reply("handoff_waiting", kind=ReplyKind.HANDOFF)]

    async def expire(self, ctx: TurnContext, parse: Parse) -> list[Reply]:
        """Nobody took the chat in time and the customer said nothing since: leave the queue, offer a callback."""
        conversation = ctx.conversation
        if conversation.owner != Owner.WAITING_AGENT or not self._timed_out(conversation):
            return []
        reason = conversation.handoff.reason if conversation.handoff else "request_human"
        await self.abandon(conversation, "timeout")
        return [ctx.reply("handoff_timeout"), *await offer_callback(ctx, parse, reason)]

    async def to_agent(self, ctx: TurnContext) -> list[Reply]:
        """An agent owns the conversation: the message goes to them, the bot stays silent."""
        handoff = ctx.conversation.handoff
        await self._publish(EventKind.MESSAGE, ctx.conversation, text=ctx.message.text,
                            agent=handoff.agent if handoff else "")
        return []

    async def abandon(self, conversation: Conversation, reason: str) -> None:
        """The customer leaves the queue (cancelled, left for another request, timed out): the bot answers again."""
        group = conversation.handoff.group if conversation.handoff else self._settings.group
        conversation.owner, conversation.handoff = Owner.BOT, None
        await self._publish(EventKind.ABANDONED, conversation, reason=reason, group=group)

    async def _publish(self, kind: EventKind, conversation: Conversation, **details: str) -> None:
        details.setdefault("group", conversation.handoff.group if conversation.handoff else self._settings.group)
        await self.bus.publish(HandoffEvent(kind, conversation.id, conversation.channel, conversation.user_id,
                                            **details))
        log.info("handoff.%s conversation_id=%s", kind.value, conversation.id)

    async def _refusal(self, ctx: TurnContext) -> Reply | None:
        settings = self._settings
        if not settings.enabled:
            return ctx.reply("handoff_disabled")
        if ctx.message.metadata.get("verified") is False:   # an app guest: an agent's reply could not reach them
            return ctx.reply("handoff_needs_sign_in")
        hours = settings.hours
        if hours is not None and not hours.is_open(self._clock().astimezone(ctx.timezone)):
            days = "".join(str(d) for d in sorted(hours.weekdays))
            return ctx.reply("handoff_closed", days=ctx.label("weekdays", days),
                             opens=hours.opens.strftime("%H:%M"), closes=hours.closes.strftime("%H:%M"))
        if not await self._availability.available(settings.group):
            return ctx.reply("handoff_busy")
        return None

    def _timed_out(self, conversation: Conversation) -> bool:
        if conversation.handoff is None:
            return True
        waited = self._clock() - datetime.fromisoformat(conversation.handoff.requested_at)
        return waited.total_seconds() >= self._settings.waiting_timeout_s


def _asks_something_else(parse: Parse) -> bool:
    """A recognised request other than chatting with the queue (a bare "hurry up" urge stays)."""
    if parse.fallback or parse.intent in STAY_INTENTS:
        return False
    return not (parse.intent == "urge_ticket" and not parse.first("ticket_id"))


def _summary(ctx: TurnContext) -> str:
    text = ctx.message.text.strip()
    return ctx.conversation.summary(text if not text.startswith("/") else "")
