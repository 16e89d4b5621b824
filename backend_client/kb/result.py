"""What a knowledge-base search returns and how the bot decides to answer, suggest or abstain."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from backend_client.kb.article import Article


class Decision(str, Enum):
    """What the bot should do with a search result."""

    ANSWER = "answer"  # send the top article's short answer and ask "是否解决了您的问题？"
    SUGGEST = "suggest"  # offer the top titles to choose from
    ABSTAIN = "abstain"  # say we do not know; offer a ticket or an agent


@dataclass(frozen=True)
class Thresholds:
    """The two cut-offs on the calibrated score, from the caller's config."""

    answer: float
    suggest: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.suggest <= self.answer <= 1.0:
            raise ValueError(f"need 0 <= suggest ({self.suggest}) <= answer ({self.answer}) <= 1")

    def decide(self, score: float) -> Decision:
        """Answer at or above ``answer``, suggest at or above ``suggest``, abstain below."""
        if score >= self.answer:
            return Decision.ANSWER
        return Decision.SUGGEST if score >= self.suggest else Decision.ABSTAIN


@dataclass(frozen=True)
class Hit:
    """One ranked article with its calibrated score and the signals behind it."""

    article: Article
    score: float
    lexical: float
    ngram: float
    coverage: float
    margin: float = 0.0


@dataclass(frozen=True)
class SearchResult:
    """Ranked hits (best first) and the decision; ``query`` is the cleaned text actually searched."""

    query: str
    hits: tuple[Hit, ...]
    decision: Decision

    @property
    def score(self) -> float:
        """The calibrated score of the best hit (0 when nothing was found)."""
        return self.hits[0].score if self.hits else 0.0

    @property
    def top(self) -> Hit | None:
        """The best hit, if any."""
        return self.hits[0] if self.hits else None

    @property
    def keys(self) -> list[str]:
        """Article keys in rank order."""
        return [h.article.key for h in self.hits]
