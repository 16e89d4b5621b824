"""Fit the score calibration (logistic, non-negative weights) on held-out KB questions, tuning questions and negatives."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from scipy.optimize import minimize

from backend_client.kb.article import Article
from servicedesk.kb.index import SearchIndex, Signals, Weights
from servicedesk.kb.scope import Scope

FEATURES = ("coverage", "ngram", "evidence", "margin")


@dataclass(frozen=True)
class Sample:
    """Signals of the top hit for one query and whether that hit was the right article."""

    signals: Signals
    correct: bool
    rivals: tuple[Signals, ...] = ()  # the signals of the hits ranked below it (for the runner-up margin)

    def row(self) -> list[float]:
        """The features in ``FEATURES`` order."""
        return [getattr(self.signals, name) for name in FEATURES]


_NOTHING = Signals(0.0, 0.0, 0.0, 0.0)


def sample(index: SearchIndex, query: str, expected: str, scope: Scope | None = None) -> Sample:
    """The top hit's signals for ``query`` and whether it is ``expected`` ('' = out of scope: never right)."""
    _, ranked = index.ranked(query, scope, limit=3)
    if not ranked:
        return Sample(_NOTHING, False)
    article, signals, _ = ranked[0]
    return Sample(signals, bool(expected) and article.key == expected, tuple(s for _, s, _ in ranked[1:]))


def held_out_samples(articles: Sequence[Article], index: SearchIndex, stride: int = 1) -> list[Sample]:
    """Each published article's questions, asked of an index from which that question was removed."""
    samples = []
    for pos, article in enumerate(articles):
        if not article.searchable:
            continue
        scope = Scope(tier=article.tiers[0] if article.tiers else None)
        for q in article.questions[::stride]:
            reduced = dataclasses.replace(article, questions=tuple(x for x in article.questions if x != q))
            others = [*articles[:pos], reduced, *articles[pos + 1:]]
            held_out = SearchIndex(others, weights=index.weights, tokenizer=index.tokenizer)
            samples.append(sample(held_out, q, article.key, scope))
    return samples


def negative_samples(index: SearchIndex, questions: Iterable[str]) -> list[Sample]:
    """Out-of-scope questions: whatever ranks first is wrong."""
    return [sample(index, q, "") for q in questions]


def fit(samples: Sequence[Sample], base: Weights = Weights(), l2: float = 0.01) -> Weights:
    """Weights whose calibrated score estimates P(top hit is right) on ``samples``; feature weights are kept
    non-negative so that a stronger match never scores lower."""
    x = np.array([s.row() for s in samples])
    y = np.array([s.correct for s in samples], dtype=float)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ theta[:-1] + theta[-1]
        p = 1.0 / (1.0 + np.exp(-z))
        nll = float(np.sum(np.logaddexp(0.0, z) - y * z)) + l2 * float(theta[:-1] @ theta[:-1])
        grad = np.r_[x.T @ (p - y) + 2 * l2 * theta[:-1], np.sum(p - y)]
        return nll, grad

    bounds = [(0.0, None)] * len(FEATURES) + [(None, None)]
    theta = minimize(loss, np.zeros(len(FEATURES) + 1), jac=True, bounds=bounds, method="L-BFGS-B").x
    fitted = {f"calib_{name}": round(float(v), 3) for name, v in zip(FEATURES, theta)}
    return dataclasses.replace(base, **fitted, calib_bias=round(float(theta[-1]), 3))
