"""Shared fixtures for the knowledge-base tests: one tokenizer and the shipped articles, built once."""
from __future__ import annotations

from pathlib import Path

import pytest

from backend_client.kb import Article
from servicedesk.kb import SearchIndex, load_path
from nlu.text.retrieval import Tokenizer

ARTICLES = Path(__file__).resolve().parents[2] / "servicedesk" / "kb" / "articles"


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    """A private jieba tokenizer (about a second to load), shared by the session."""
    return Tokenizer()


@pytest.fixture(scope="session")
def shipped() -> list[Article]:
    """The starter knowledge base."""
    return load_path(ARTICLES)


@pytest.fixture(scope="session")
def shipped_index(shipped: list[Article], tokenizer: Tokenizer) -> SearchIndex:
    """An index over the starter knowledge base."""
    return SearchIndex(shipped, tokenizer=tokenizer)


@pytest.fixture
def make_article():
    """Factory for valid published articles with overridable fields."""

    def make(key: str = "sample-article", **fields) -> Article:
        base = dict(title="专线中断自查", short_answer="先检查光猫。", body="正文", status="published")
        return Article(key=key, **{**base, **fields})

    return make
