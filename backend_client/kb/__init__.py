"""Knowledge-base types of the desk contract: articles, search results, versions, gaps (no retrieval code)."""
from backend_client.kb.article import (
    SERVICE_TYPES,
    STATUSES,
    TIERS,
    Article,
    FieldError,
    article_from_mapping,
    validated,
)
from backend_client.kb.records import ArticleVersion, ImportReport, KbGap
from backend_client.kb.result import Decision, Hit, SearchResult, Thresholds

__all__ = [
    "SERVICE_TYPES", "STATUSES", "TIERS", "Article", "ArticleVersion", "Decision", "FieldError", "Hit",
    "ImportReport", "KbGap", "SearchResult", "Thresholds", "article_from_mapping", "validated",
]
