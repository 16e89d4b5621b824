"""寒暄: greetings (with the menu), thanks, goodbyes, and what the bot can do when asked something else."""
from __future__ import annotations

from dialogue.context import TurnContext
from dialogue.types import Reply, ReplyKind
from nlu import Parse

KINDS = {"greet": ReplyKind.MENU, "goodbye": ReplyKind.GOODBYE, "thank": ReplyKind.TEXT, "out_of_scope": ReplyKind.MENU}


async def small_talk(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """The template named like the intent; a bound contact is greeted by name and account."""
    kind = KINDS.get(parse.intent)
    binding = ctx.conversation.binding
    if parse.intent == "greet" and binding is not None:
        return [ctx.reply("greet_bound", kind=ReplyKind.MENU, customer_name=binding.customer_name,
                          contact_name=binding.contact_name)]
    return [ctx.reply(parse.intent, kind=kind)] if kind else []
