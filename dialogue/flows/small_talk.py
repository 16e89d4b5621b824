"""寒暄: greetings (with the menu), thanks, goodbyes, and what the bot can do when asked something else."""
from __future__ import annotations

from dialogue.context import TurnContext
from dialogue.types import Reply, ReplyKind
from nlu import Parse

KINDS = {"greet": ReplyKind.MENU, "goodbye": ReplyKind.GOODBYE, "thank": ReplyKind.TEXT, "out_of_scope": ReplyKind.MENU}


async def small_talk(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """The template named like the intent."""
    kind = KINDS.get(parse.intent)
    return [ctx.reply(parse.intent, kind=kind)] if kind else []
