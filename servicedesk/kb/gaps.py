"""Grouping the questions the knowledge base could not answer, so the most wanted missing article comes first.

A busy bot abstains thousands of times a month; comparing each question with every group is quadratic (20,000
questions took minutes). Prefix filtering (as in AllPairs/PPJoin) keeps it exact and near linear: two gram sets
with Jaccard ≥ t must share one of the rarest ``n - ceil(t·n) + 1`` grams of each, so only groups that share such
a gram are compared.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Sequence

from backend_client.kb.records import KbGap
from nlu.text.retrieval import char_ngrams

EXAMPLES = 5


def group_similar(counted: Sequence[tuple[str, int]], threshold: float = 0.5) -> list[KbGap]:
    """Greedy groups of (query, times asked) whose char n-gram sets overlap (Jaccard ≥ ``threshold``) with the
    group's first query; pass the most asked first. Largest groups first, each named by its most asked query."""
    grams = [frozenset(char_ngrams(query)) or frozenset({query}) for query, _ in counted]
    rarity = Counter(gram for found in grams for gram in found)
    heads: list[frozenset[str]] = []
    members: list[list[tuple[str, int]]] = []
    postings: dict[str, list[int]] = defaultdict(list)
    for (query, times), found in zip(counted, grams):
        prefix = _prefix(found, rarity, threshold)
        candidates = sorted({group for gram in prefix for group in postings.get(gram, ())})
        group = next((g for g in candidates if _jaccard(found, heads[g]) >= threshold), None)
        if group is None:
            group = len(heads)
            heads.append(found)
            members.append([])
            for gram in prefix:
                postings[gram].append(group)
        members[group].append((query, times))
    gaps = [_gap(m) for m in members]
    return sorted(gaps, key=lambda g: -g.count)


def _prefix(grams: frozenset[str], rarity: Counter[str], threshold: float) -> list[str]:
    ordered = sorted(grams, key=lambda gram: (rarity[gram], gram))
    return ordered[:len(ordered) - math.ceil(threshold * len(ordered)) + 1]


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b)


def _gap(members: list[tuple[str, int]]) -> KbGap:
    ranked = sorted(members, key=lambda m: -m[1])
    return KbGap(ranked[0][0], sum(times for _, times in members), tuple(q for q, _ in ranked[:EXAMPLES]))
