"""满意度评价: a rating (entity, button or a bare digit after the survey) answers the customer's pending survey."""
from __future__ import annotations

from dialogue.context import TurnContext
from dialogue.types import Reply, ReplyKind, utcnow
from nlu import Parse

RATE_INTENT = "rate_service"
LOW_SCORE = 2
"""Scores at or below this get an apology and the way to an agent."""


def _score(parse: Parse) -> int | None:
    value = parse.first("rating") if parse.intent == RATE_INTENT and not parse.fallback else None
    text = value or parse.text.strip()
    return int(text) if text in {"1", "2", "3", "4", "5"} else None


async def answer_survey(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """Store the rating for the pending survey and thank; [] when the message is no rating or nothing is pending."""
    score = _score(parse)
    rating_intent = parse.intent == RATE_INTENT and not parse.fallback
    if score is None and not rating_intent:
        return []
    survey = await ctx.desk.pending_survey(ctx.actor)
    if survey is None:
        return _rate_conversation(ctx, score, rating_intent)
    if score is None:
        return [ctx.reply("survey_ask", kind=ReplyKind.QUESTION)]
    await ctx.desk.answer_survey(survey.ticket, score, None, ctx.actor)
    name = "survey_thanks_low" if score <= LOW_SCORE else "survey_thanks"
    return [ctx.reply(name, kind=ReplyKind.TEXT, ticket=survey.ticket, score=score)]


def _rate_conversation(ctx: TurnContext, score: int | None, rating_intent: bool) -> list[Reply]:
    """No ticket's survey: the rating asked when an agent closed the chat is kept on the conversation."""
    rating = ctx.conversation.rating
    if rating is None or rating.get("score") is not None:
        return [ctx.reply("survey_none")] if rating_intent else []
    if score is None:
        return [ctx.reply("survey_ask", kind=ReplyKind.QUESTION)]
    rating.update(score=score, answered_at=utcnow().isoformat())
    name = "survey_thanks_chat_low" if score <= LOW_SCORE else "survey_thanks_chat"
    return [ctx.reply(name, kind=ReplyKind.TEXT, score=score)]
