"""Answers from the knowledge base: FAQ and unsure messages, outage questions, suggestions and feedback."""
from __future__ import annotations

import dataclasses
import logging

from backend_client import NotFound
from backend_client.kb import Article, Decision, SearchResult
from dialogue.context import TurnContext
from dialogue.flows.outage import ask_place, named_place, notice_replies, offer, place_notices
from dialogue.turns import QUESTION_INTENTS
from dialogue.types import Button, Reply, ReplyKind
from nlu import Parse
from nlu.payload import encode_payload

log = logging.getLogger(__name__)



def answer(ctx: TurnContext, article: Article, query: str) -> Reply:
    """The article's short answer (voice: the voice answer) with "解决了/没解决" buttons."""
    reply = ctx.reply("kb_answer", kind=ReplyKind.QUESTION, title=article.title, answer=article.short_answer,
                      voice_answer=article.voice_answer or article.short_answer)
    buttons = tuple(Button(ctx.label("kb", label),
                           encode_payload("kb_feedback", article=article.key, solved=solved, q=query))
                    for label, solved in (("solved", "yes"), ("unsolved", "no")))
    return dataclasses.replace(reply, buttons=buttons, data={**reply.data, "article": article.key})


def _suggest(ctx: TurnContext, result: SearchResult) -> Reply:
    reply = ctx.reply("kb_suggest", kind=ReplyKind.QUESTION)
    buttons = tuple(Button(h.article.title, encode_payload("kb_article", article=h.article.key, q=result.query))
                    for h in result.hits[:3])
    return dataclasses.replace(reply, buttons=buttons, data={"articles": result.keys[:3]})


async def search(ctx: TurnContext, text: str, *, unsure: bool = False) -> list[Reply]:
    """Answer, suggest or abstain; an unsure message that finds nothing gets the usual "please rephrase"."""
    return await _found(ctx, text) or [ctx.reply("fallback" if unsure else "kb_abstain", kind=ReplyKind.MENU)]


async def _found(ctx: TurnContext, text: str) -> list[Reply]:
    """The answer or the suggestions for ``text``; empty when the knowledge base abstains."""
    result = await ctx.desk.search_kb(text, ctx.actor)
    if result.decision is Decision.ANSWER and result.top is not None:
        return [answer(ctx, result.top.article, result.query)]
    if result.decision is Decision.SUGGEST:
        return [_suggest(ctx, result)]
    return []


async def _outage(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """Notices for the place named, else for the bound account (no notice: say so, then articles); else ask where."""
    place = named_place(parse)
    if place is not None:
        return await place_notices(ctx, place)
    binding = ctx.conversation.binding
    if binding is None:
        return await ask_place(ctx, parse)
    notices = await ctx.desk.notices_affecting(customer_id=binding.customer_id)
    if notices:
        return notice_replies(ctx, notices, notified=True)
    cleared = ctx.reply("outage_none_account", customer_name=binding.customer_name)
    return [cleared, *(await _found(ctx, parse.text) or [offer(ctx)])]


async def _feedback(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """Store the verdict and lead on; a payload naming no article (typed by hand) is answered but not stored."""
    solved = parse.first("solved") == "yes"
    try:
        await ctx.desk.kb_feedback(parse.first("article") or "", parse.first("q") or "", solved, ctx.actor)
    except NotFound:
        log.info("kb.feedback.unknown_article conversation_id=%s", ctx.conversation.id)
    if solved:
        return [ctx.reply("kb_solved")]
    return [ctx.reply("kb_unsolved", kind=ReplyKind.MENU)]


async def _chosen(ctx: TurnContext, parse: Parse) -> list[Reply]:
    try:
        article = await ctx.desk.kb_article(parse.first("article") or "", ctx.actor)
    except NotFound:
        return [ctx.reply("kb_abstain", kind=ReplyKind.MENU)]
    return [answer(ctx, article, parse.first("q") or article.title)]


async def knowledge(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """Replies for the knowledge-base intents, outage questions and unsure messages; empty when not ours."""
    if parse.fallback:
        return await search(ctx, parse.text, unsure=True)
    if parse.intent == "kb_feedback":
        return await _feedback(ctx, parse)
    if parse.intent == "kb_article":
        return await _chosen(ctx, parse)
    if parse.intent == "query_outage":
        return await _outage(ctx, parse)
    if parse.intent in QUESTION_INTENTS:
        return await search(ctx, parse.text)
    return []
