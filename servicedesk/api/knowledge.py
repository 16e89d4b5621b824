"""The knowledge base: the bot searches, reads and rates articles; agents import, draft and review; admins publish."""
from __future__ import annotations

from typing import cast

from aiohttp import web

from backend_client.http.wire import ArticleImport, DraftRequest, Items, KbQuery, KbVerdict
from backend_client.kb import STATUSES, Article, ArticleVersion, FieldError, ImportReport, KbGap, SearchResult, validated
from backend_client.protocol import KnowledgeAdmin
from servicedesk.api.auth import acting, reader
from servicedesk.api.context import desk, import_limit
from servicedesk.api.errors import ApiError, respond
from servicedesk.api.inputs import body, query_int, query_str
from servicedesk.api.routes import AGENT, BOT, Param, Route, scopes

MAX_HITS = 10
MAX_GAPS = 200
MAX_GAP_DAYS = 366


def admin(request: web.Request) -> KnowledgeAdmin:
    """The desk's knowledge management (the local desk and the HTTP client both provide it)."""
    return cast(KnowledgeAdmin, desk(request))


async def search_kb(request: web.Request) -> web.Response:
    """Articles the customer's account may see, ranked, with the bot's decision (answer, suggest, abstain)."""
    question = await body(request, KbQuery)
    if not 1 <= question.limit <= MAX_HITS:
        raise ApiError(f"'limit' must be between 1 and {MAX_HITS}", "limit")
    return respond(await desk(request).search_kb(question.query, await acting(request), limit=question.limit))


async def kb_article(request: web.Request) -> web.Response:
    """One published article the caller may see: a customer only within their account's scope."""
    return respond(await desk(request).kb_article(request.match_info["key"], await reader(request)))


async def kb_feedback(request: web.Request) -> web.Response:
    """Store "解决了/没解决" for an article shown for a query; unsolved ones join the gap list."""
    verdict = await body(request, KbVerdict)
    await desk(request).kb_feedback(verdict.article, verdict.query, verdict.solved, await acting(request))
    return web.Response(status=204)


async def export_articles(request: web.Request) -> web.Response:
    """Every article (drafts and retired ones too), or those with one status, by key."""
    status = query_str(request, "status", 16)
    if status is not None and status not in STATUSES:
        raise ApiError(f"query parameter 'status' must be one of: {', '.join(STATUSES)}", "status")
    return respond(Items(await admin(request).export_articles(await acting(request), status)))


async def import_articles(request: web.Request) -> web.Response:
    """Add or update articles by key in one transaction; one invalid article refuses them all."""
    request_body = await body(import_limit(request), ArticleImport)
    try:
        articles = validated(request_body.articles)
    except FieldError as exc:
        raise ApiError(f"articles{exc.field_name}: {exc}", f"articles{exc.field_name}") from None
    report = await admin(request).import_articles(articles, await acting(request),
                                                  retire_missing=request_body.retire_missing)
    return respond(report)


async def article_versions(request: web.Request) -> web.Response:
    """An article's saved versions, oldest first."""
    versions = await admin(request).article_versions(request.match_info["key"], await acting(request))
    return respond(Items(versions))


async def kb_gaps(request: web.Request) -> web.Response:
    """Unanswered questions, similar ones grouped, most frequent first."""
    limit = query_int(request, "limit", 20, 1, MAX_GAPS) or 20
    days = query_int(request, "days", 30, 1, MAX_GAP_DAYS) or 30
    return respond(Items(await admin(request).kb_gaps(await acting(request), limit, days)))


async def draft_from_ticket(request: web.Request) -> web.Response:
    """A draft article from a resolved ticket's resolution note; customers see it only once published."""
    draft = await body(request, DraftRequest)
    return respond(await admin(request).draft_from_ticket(draft.ticket, await acting(request)), 201)


async def publish_article(request: web.Request) -> web.Response:
    """Publish an article so the bot answers with it (admin)."""
    return respond(await admin(request).publish_article(request.match_info["key"], await acting(request)))


KEY_PATH = "/kb/articles/{key}"
ROUTES = (
    Route("POST", "/kb/search", search_kb, scopes(BOT, AGENT), "Search the knowledge base as the customer",
          body=KbQuery, returns=SearchResult),
    Route("GET", KEY_PATH, kb_article, scopes(BOT, AGENT), "Get a published article", returns=Article),
    Route("POST", "/kb/feedback", kb_feedback, scopes(BOT), "Record whether an article solved the question",
          body=KbVerdict, status=204),
    Route("GET", "/kb/articles", export_articles, scopes(AGENT), "Export articles", returns=Items[Article],
          query=(Param("status", str, "draft, published or retired"),)),
    Route("POST", "/kb/articles", import_articles, scopes(AGENT), "Import or update articles (all or nothing)",
          body=ArticleImport, returns=ImportReport),
    Route("GET", KEY_PATH + "/versions", article_versions, scopes(AGENT), "An article's version history",
          returns=Items[ArticleVersion]),
    Route("POST", KEY_PATH + "/publish", publish_article, scopes(), "Publish an article (admin)", returns=Article),
    Route("POST", "/kb/drafts", draft_from_ticket, scopes(AGENT), "Draft an article from a resolved ticket",
          body=DraftRequest, returns=Article, status=201),
    Route("GET", "/kb/gaps", kb_gaps, scopes(AGENT), "Unanswered questions, grouped, most frequent first",
          returns=Items[KbGap], query=(Param("limit", int, f"1–{MAX_GAPS}, default 20"),
                                       Param("days", int, f"the last 1–{MAX_GAP_DAYS} days, default 30"))),
)
