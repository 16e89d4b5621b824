"""故障公告查询: the published notices covering the circuit or region a customer names; the unbound are asked which."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from backend_client import Notice
from dialogue.context import TurnContext
from dialogue.conversation import FlowState
from dialogue.forms import FormRunner, SimpleForm, Slot
from dialogue.types import Reply, ReplyKind
from nlu import Parse

PLACE_ENTITIES = ("circuit_id", "region")
"""Entities that name a place, most specific first; also the desk's `notices_affecting` keywords."""
NOTICES_TOLD = 3
"""Notices told in one answer, the soonest to end first."""
_AREA = re.compile(r"[\u4e00-\u9fff]{1,5}(?:省|市|区|县|镇|乡)")


@dataclass(frozen=True)
class Place:
    """A circuit or a region the customer asks about; ``kind`` is the entity that names it."""

    kind: str
    value: str


def named_place(parse: Parse) -> Place | None:
    """The circuit, else the first region, that the message names."""
    for kind in PLACE_ENTITIES:
        value = parse.first(kind)
        if value:
            return Place(kind, value)
    return None


def _area(text: str) -> str | None:
    """A bare area name typed as the answer (天河区), for places the NLU does not know."""
    text = text.strip(" 。，,.!！?？")
    return text if _AREA.fullmatch(text) else None


def notice_replies(ctx: TurnContext, notices: list[Notice], *, notified: bool = False) -> list[Reply]:
    """The notices in force, the soonest to end first; only a ``notified`` account is promised the all-clear."""
    closing = ctx.templates.text("outage_will_notify", ctx.message.channel) if notified else ""
    return [ctx.reply("kb_outage_notice", title=n.title, text=n.text, ends=ctx.local_time(n.ends_at), closing=closing)
            for n in sorted(notices, key=lambda n: n.ends_at)[:NOTICES_TOLD]]


def offer(ctx: TurnContext) -> Reply:
    """Nothing is published: the way on is a fault report or an agent."""
    return ctx.reply("outage_offer", kind=ReplyKind.MENU)


async def place_notices(ctx: TurnContext, place: Place) -> list[Reply]:
    """The notices covering ``place``, or a clear "nothing recorded there" and the offer."""
    where: dict[str, Any] = {place.kind: place.value}
    notices = await ctx.desk.notices_affecting(**where)
    if notices:
        return notice_replies(ctx, notices)
    return [ctx.reply(f"outage_none_{place.kind}", **where), offer(ctx)]


class OutageForm(SimpleForm):
    """Asks an unbound customer which circuit or region they mean, then answers from its notices."""

    name = "outage"
    slots = (Slot("place", "ask_outage_place", PLACE_ENTITIES, accept_text=_area, invalid="invalid_outage_place"),)

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """Answer for the circuit or region given (a typed area name counts as a region)."""
        kind = state.sources.get("place", "")
        return await place_notices(ctx, Place(kind if kind in PLACE_ENTITIES else "region", state.slots["place"]))


async def ask_place(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """Start the form: an unbound customer has no account whose notices we could look up."""
    return await FormRunner(OutageForm()).start(ctx, parse)
