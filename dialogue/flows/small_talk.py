"""寒暄: greetings (with the menu), thanks and goodbyes."""
from __future__ import annotations

from dialogue.context import TurnContext
from dialogue.types import Reply, ReplyKind
from nlu import Parse

KINDS = {"greet": ReplyKind.MENU, "goodbye": ReplyKind.GOODBYE, "thank": ReplyKind.TEXT}


async def small_talk(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """The template named like the intent."""
    kind = KINDS.get(parse.intent)
    return [ctx.reply(parse.intent, kind=kind)] if kind else []
