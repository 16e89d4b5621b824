"""Knowledge base: articles, their import/export formats, and Chinese retrieval over them."""
from backend_client.kb.article import (
    SERVICE_TYPES,
    STATUSES,
    TIERS,
    Article,
    FieldError,
    article_from_mapping,
    validated,
)
from backend_client.kb.index import SearchIndex, Weights
from backend_client.kb.loaders import KbFormatError, export_folder, load_file, load_path, to_csv, to_markdown, to_yaml
from backend_client.kb.records import ArticleVersion, ImportReport, KbGap
from backend_client.kb.result import Decision, Hit, SearchResult, Thresholds
from backend_client.kb.scope import Scope, visible

__all__ = [
    "SERVICE_TYPES", "STATUSES", "TIERS", "Article", "ArticleVersion", "Decision", "FieldError", "Hit",
    "ImportReport", "KbFormatError", "KbGap", "Scope", "SearchIndex", "SearchResult", "Thresholds", "Weights",
    "article_from_mapping", "export_folder", "load_file", "load_path", "to_csv", "to_markdown", "to_yaml", "validated",
    "visible",
]
