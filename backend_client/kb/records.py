"""What the desk reports about its knowledge base: import counts, groups of unanswered questions, saved versions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend_client.kb.article import Article


@dataclass(frozen=True)
class ImportReport:
    """What an import changed (``retired``: articles missing from an import that retires them)."""

    added: int
    updated: int
    unchanged: int
    retired: int = 0


@dataclass(frozen=True)
class KbGap:
    """A group of similar unanswered queries, most frequent first."""

    query: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class ArticleVersion:
    """One saved version of an article: who changed it, when, and what it said then."""

    version: int
    at: datetime
    by: str
    article: Article
