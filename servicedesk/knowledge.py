"""The knowledge base through the desk: import, export, search with a cached index, feedback, gaps, drafts."""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Hashable, Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.errors import Conflict, Forbidden, Invalid, NotFound
from backend_client.kb import Article, ArticleVersion, Decision, FieldError, ImportReport, KbGap, SearchResult, Thresholds, article_from_mapping, validated
from servicedesk.gap_buffer import GapBuffer
from servicedesk.kb import load_path
from servicedesk.kb_live import LiveIndex
from servicedesk.kb import Scope as KbScope
from servicedesk.kb.gaps import group_similar
from servicedesk.kb.scope import visible
from nlu.text.retrieval import clean_query
from servicedesk import database
from servicedesk.base import DeskBase
from servicedesk.models import Circuit, Customer, KbArticleRow, KbArticleVersion, KbFeedback, KbGapQuery
from backend_client.types import Actor, Role, TicketStatus

PUBLISHERS = (Role.ADMIN, Role.SYSTEM)
"""Who may make an article visible to customers, whichever route they take."""
SHIPPED_ARTICLES = Path(__file__).resolve().parent / "kb" / "articles"
SCOPE_TTL_S = 60.0
GAP_QUERIES = 20_000
"""Distinct unanswered questions grouped for the gap list: the long tail beyond them is asked once or twice."""
ARTICLE_COLUMNS = ("key", "title", "short_answer", "voice_answer", "body", "questions", "tags", "service_types",
                   "regions", "tiers", "status", "owner", "review_date")


@dataclass(frozen=True)
class KbSettings:
    """Thresholds and the jieba user dictionary the desk's search uses."""

    thresholds: Thresholds = Thresholds(answer=0.72, suggest=0.58)
    user_dict: Path | None = None


def to_article(row: KbArticleRow) -> Article:
    """The row as the retrieval core's Article."""
    return article_from_mapping({name: getattr(row, name) for name in ARTICLE_COLUMNS})


def _columns(article: Article) -> dict[str, Any]:
    return {name: value for name, value in article.to_dict().items() if name in ARTICLE_COLUMNS}


def _region(customer: Customer) -> str:
    parts = [customer.province.removesuffix("省"), customer.city.removesuffix("市"), customer.county]
    return "/".join(p for p in parts if p)


async def _upsert(session: AsyncSession, articles: Iterable[Article], by: str, at: datetime) -> ImportReport:
    """Add or update each article by key (one query finds the existing ones) and save a version of each change."""
    incoming = list(articles)
    keys = [article.key for article in incoming]
    rows = {r.key: r for r in (await session.scalars(select(KbArticleRow).where(KbArticleRow.key.in_(keys)))).all()}
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    changed: list[tuple[KbArticleRow, int, dict[str, Any]]] = []
    for article in incoming:
        values = _columns(article)
        row = rows.get(article.key)
        if row is not None and {n: getattr(row, n) for n in values} == values:
            counts["unchanged"] += 1
            continue
        if row is None:
            row = rows[article.key] = KbArticleRow(version=0, **values)
            session.add(row)
            counts["added"] += 1
        else:
            for name, value in values.items():
                setattr(row, name, value)
            counts["updated"] += 1
        row.version, row.updated_at, row.updated_by = row.version + 1, at, by
        changed.append((row, row.version, values))
    await session.flush()
    session.add_all(KbArticleVersion(article_id=row.id, version=version, fields=values, at=at, by=by)
                    for row, version, values in changed)
    return ImportReport(**counts)


async def seed_articles(engine: Any, folder: Path = SHIPPED_ARTICLES) -> int:
    """Import the shipped articles into an empty knowledge base; returns how many were added."""
    async with database.sessions(engine).begin() as session:
        if await session.scalar(select(func.count(KbArticleRow.id))):
            return 0
        report = await _upsert(session, load_path(folder), "system", datetime.now().astimezone())
    return report.added


class KnowledgeBase(DeskBase):
    """Articles with version history, the customer-facing search, feedback and the knowledge-gap list."""

    def __init__(self, *args: Any, kb: KbSettings = KbSettings(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kb = kb
        self._live_index = LiveIndex(self._published_since, self._stamps, kb.user_dict)
        self._gap_buffer = GapBuffer(self._tx)
        self._scopes: dict[int, tuple[float, KbScope]] = {}

    async def warm_kb_index(self) -> None:
        """Build the search index now (start-up), so the first customer's question does not wait for it."""
        await self._live_index.refresh()

    async def close_kb(self) -> None:
        """Write the buffered gap records and stop background work (a clean stop loses no gap)."""
        await self._live_index.close()
        await self._gap_buffer.close()

    async def import_articles(self, articles: Iterable[Article], actor: Actor, *,
                              retire_missing: bool = False) -> ImportReport:
        """Import (below), then rebuild the search index before answering, in every process."""
        report = await self._import_articles(articles, actor, retire_missing=retire_missing)
        await self._live_index.changed()
        return report

    async def _import_articles(self, articles: Iterable[Article], actor: Actor, *,
                               retire_missing: bool = False) -> ImportReport:
        """Upsert by key in one transaction, appending a version for every changed article; with
        ``retire_missing`` the articles the import leaves out are retired (the source folder is the truth)."""
        _require_staff(actor)
        try:
            incoming = validated(articles)
        except FieldError as exc:
            raise Invalid(f"article {exc.field_name}: {exc}") from None
        if retire_missing and not incoming:
            raise Invalid("an empty import would retire every article")
        async with self._tx() as session:
            await _check_publishing(session, incoming, actor)
            report = await _upsert(session, incoming, actor.id, self._now())
            if not retire_missing:
                return report
            keep = {article.key for article in incoming}
            rows = (await session.scalars(select(KbArticleRow).where(KbArticleRow.status != "retired"))).all()
            gone = [dataclasses.replace(to_article(r), status="retired") for r in rows if r.key not in keep]
            await _upsert(session, gone, actor.id, self._now())
            return dataclasses.replace(report, retired=len(gone))

    async def export_articles(self, actor: Actor, status: str | None = None) -> list[Article]:
        """Every article (or those with ``status``), by key; drafts are the desk's, so staff only."""
        _require_staff(actor)
        async with self._tx() as session:
            query = select(KbArticleRow).order_by(KbArticleRow.key)
            if status:
                query = query.where(KbArticleRow.status == status)
            return [to_article(r) for r in (await session.scalars(query)).all()]

    async def kb_article(self, key: str, actor: Actor | None = None) -> Article:
        """One published article; NotFound for drafts, retired or unknown keys, and for articles outside a
        customer's scope (tier, services, region), exactly like search would never show them."""
        async with self._tx() as session:
            row = (await session.scalars(select(KbArticleRow).where(KbArticleRow.key == key))).first()
            if row is None or row.status != "published":
                raise NotFound(f"article {key}")
            article = to_article(row)
            if actor is not None and not actor.is_staff and not visible(article, await self._scope(session, actor)):
                raise NotFound(f"article {key}")
            return article

    async def article_versions(self, key: str, actor: Actor) -> list[ArticleVersion]:
        """The saved versions of an article (drafts and retired ones too), oldest first; staff only."""
        _require_staff(actor)
        async with self._tx() as session:
            row = await self._article_row(session, key)
            query = (select(KbArticleVersion).where(KbArticleVersion.article_id == row.id)
                     .order_by(KbArticleVersion.version))
            return [ArticleVersion(v.version, v.at, v.by, article_from_mapping(v.fields))
                    for v in (await session.scalars(query)).all()]

    async def search_kb(self, query: str, actor: Actor, *, limit: int = 3) -> SearchResult:
        """Published articles the actor's account may see; queries the bot abstains on become gaps. No database
        round trip: the index and the account's scope are in memory, gaps are written in batches."""
        index = await self._live_index.current()
        result = index.search(query, self._kb.thresholds, await self._cached_scope(actor), limit=limit)
        if result.query and result.decision is Decision.ABSTAIN:
            self._gap_buffer.add(result.query, "not_found", actor.channel, self._now())
        return result

    async def kb_feedback(self, article_key: str, query: str, solved: bool, actor: Actor) -> None:
        """Store "解决了/没解决"; an unsolved query joins the gap list. NotFound for a key no article has."""
        text = clean_query(query)
        async with self._tx() as session:
            await self._article_row(session, article_key)
            session.add(KbFeedback(article_key=article_key, query=text, solved=solved, channel=actor.channel,
                                   at=self._now()))
            if not solved and text:
                session.add(KbGapQuery(query=text, reason="unsolved", channel=actor.channel, at=self._now()))

    async def kb_gaps(self, actor: Actor, limit: int = 20, days: int = 30) -> list[KbGap]:
        """Queries left unanswered in the last ``days`` (the most asked distinct ones, up to GAP_QUERIES), similar
        ones grouped, most frequent first (customers' words: staff only)."""
        _require_staff(actor)
        times = func.count(KbGapQuery.id)
        query = (select(KbGapQuery.query, times).where(KbGapQuery.at >= self._now() - timedelta(days=days))
                 .group_by(KbGapQuery.query).order_by(times.desc(), func.min(KbGapQuery.id)).limit(GAP_QUERIES))
        await self._gap_buffer.flush()
        async with self._tx() as session:
            counted = [(text, count) for text, count in (await session.execute(query)).all()]
        return group_similar(counted)[:limit]

    async def draft_from_ticket(self, number: str, actor: Actor) -> Article:
        """A draft article from a resolved ticket's resolution note (agents and admins only)."""
        _require_staff(actor)
        async with self._tx() as session:
            ticket = await self._ticket_row(session, number, actor)
            if ticket.status not in (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value) \
                    or not ticket.resolution_note:
                raise Conflict("kb.ticket_unresolved", f"ticket {number} has no resolution note yet")
            article = article_from_mapping({
                "key": f"ticket-{number.lower()}", "title": ticket.summary[:200], "questions": [ticket.summary],
                "short_answer": ticket.resolution_note[:200], "body": ticket.resolution_note,
                "service_types": [ticket.service_type] if ticket.service_type else [], "status": "draft",
                "owner": actor.id[:64],
            })
            if (await session.scalars(select(KbArticleRow.id).where(KbArticleRow.key == article.key))).first():
                raise Conflict("kb.exists", f"article {article.key} already exists")
            await _upsert(session, [article], actor.id, self._now())
            return article

    async def publish_article(self, key: str, actor: Actor) -> Article:
        """Publish (below), then rebuild the search index before answering, in every process."""
        article = await self._publish_article(key, actor)
        await self._live_index.changed()
        return article

    async def _publish_article(self, key: str, actor: Actor) -> Article:
        """Publish a draft so the bot may use it (admins only); a new version is recorded."""
        _require_publisher(actor)
        async with self._tx() as session:
            article = dataclasses.replace(to_article(await self._article_row(session, key)), status="published")
            await _upsert(session, [article], actor.id, self._now())
            return article

    @staticmethod
    async def _article_row(session: AsyncSession, key: str) -> KbArticleRow:
        row = (await session.scalars(select(KbArticleRow).where(KbArticleRow.key == key))).first()
        if row is None:
            raise NotFound(f"article {key}")
        return row

    async def _published_since(self, version: Hashable) -> tuple[Hashable, list[Article] | None]:
        """The articles' version (count and newest change) and, when it moved from ``version``, the published ones."""
        async with self._tx() as session:
            current = tuple((await session.execute(
                select(func.count(KbArticleRow.id), func.max(KbArticleRow.updated_at)))).one())
            if current == version:
                return current, None
            rows = (await session.scalars(select(KbArticleRow).where(KbArticleRow.status == "published"))).all()
            return current, [to_article(r) for r in rows]

    async def _cached_scope(self, actor: Actor) -> KbScope:
        """The account's scope, read at most every SCOPE_TTL_S per account (circuits rarely change)."""
        if actor.customer_id is None:
            return KbScope()
        cached = self._scopes.get(actor.customer_id)
        if cached is not None and time.monotonic() - cached[0] < SCOPE_TTL_S:
            return cached[1]
        async with self._tx() as session:
            scope = await self._scope(session, actor)
        self._scopes[actor.customer_id] = (time.monotonic(), scope)
        return scope

    @staticmethod
    async def _scope(session: AsyncSession, actor: Actor) -> KbScope:
        """The bound account's tier, services and region; unknown for unbound callers."""
        customer = await session.get(Customer, actor.customer_id) if actor.customer_id is not None else None
        if customer is None:
            return KbScope()
        owned = (await session.scalars(select(Circuit.service_type).where(Circuit.customer_id == customer.id))).all()
        return KbScope(tier=customer.tier, services=tuple(sorted(set(owned))) or None, region=_region(customer))


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden("only agents and admins change the knowledge base")


def _require_publisher(actor: Actor) -> None:
    if actor.role not in PUBLISHERS:
        raise Forbidden("only an admin publishes articles")


async def _check_publishing(session: AsyncSession, incoming: list[Article], actor: Actor) -> None:
    """An import publishes whatever it marks published and differs from the stored article: admins only."""
    published = {article.key: _columns(article) for article in incoming if article.status == "published"}
    if actor.role in PUBLISHERS or not published:
        return
    rows = {row.key: row for row in
            (await session.scalars(select(KbArticleRow).where(KbArticleRow.key.in_(published)))).all()}
    for key, values in published.items():
        row = rows.get(key)
        if row is None or {name: getattr(row, name) for name in values} != values:
            raise Forbidden(f"article {key}: only an admin publishes articles (import it as a draft)")
