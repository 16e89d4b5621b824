"""Fit the score calibration (Platt scaling) on the KB's own questions, held out one at a time."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from backend_client.kb.article import Article
from servicedesk.kb.index import SearchIndex, Weights
from backend_client.kb.result import Thresholds
from servicedesk.kb.scope import Scope

_ANY = Thresholds(answer=1.0, suggest=0.0)


@dataclass(frozen=True)
class Sample:
    """Signals of the top hit for one query and whether that hit was the right article."""

    coverage: float
    ngram: float
    margin: float
    correct: bool


def _sample(index: SearchIndex, query: str, expected: str, scope: Scope) -> Sample:
    result = index.search(query, _ANY, scope, limit=2)
    if not result.hits:
        return Sample(0.0, 0.0, 0.0, False)
    top = result.hits[0]
    return Sample(top.coverage, top.ngram, top.margin, top.article.key == expected)


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
            samples.append(_sample(held_out, q, article.key, scope))
    return samples


def negative_samples(index: SearchIndex, questions: Iterable[str]) -> list[Sample]:
    """Out-of-scope questions: whatever ranks first is wrong."""
    return [dataclasses.replace(_sample(index, q, "", Scope()), correct=False) for q in questions]


def fit(samples: Sequence[Sample], base: Weights = Weights()) -> Weights:
    """Weights whose calibrated score estimates P(top hit is right) on ``samples``."""
    x = np.array([[s.coverage, s.ngram, s.coverage * s.margin] for s in samples])
    y = np.array([s.correct for s in samples])
    model = LogisticRegression(C=10.0).fit(x, y)
    a, b, c = (round(float(v), 3) for v in model.coef_[0])
    return dataclasses.replace(base, calib_coverage=a, calib_ngram=b, calib_margin=c,
                               calib_bias=round(float(model.intercept_[0]), 3))


def suggest_thresholds(held_out: Sequence[Sample], negatives: Sequence[Sample], weights: Weights,
                       precision: float = 0.9, oos_abstain: float = 0.9) -> Thresholds:
    """Answer where answered top hits are right ``precision`` of the time; suggest above ``oos_abstain`` of negatives."""
    samples = [*held_out, *negatives]
    scores = np.array([_score(s, weights) for s in samples])
    right = np.array([s.correct for s in samples])
    answer = 1.0
    for t in np.unique(scores)[::-1]:
        if right[scores >= t].mean() < precision:
            break
        answer = float(t)
    oos = [_score(s, weights) for s in negatives]
    suggest = float(np.quantile(oos, oos_abstain)) if oos else 0.0
    return Thresholds(answer=round(answer, 2), suggest=round(min(suggest, answer), 2))


def _score(s: Sample, w: Weights) -> float:
    z = w.calib_coverage * s.coverage + w.calib_ngram * s.ngram + w.calib_margin * s.coverage * s.margin + w.calib_bias
    return float(1.0 / (1.0 + np.exp(-z)))
