"""A learned character tagger (averaged perceptron, BIO) for entities no rule covers, such as address."""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable

import numpy as np

from nlu.types import Entity

OUTSIDE = "O"
_TRAILING = "吗呢吧啊呀嘛了的哈"


def _kind(ch: str) -> str:
    if ch.isdigit():
        return "d"
    if ch.isascii() and ch.isalpha():
        return "a"
    if "\u4e00" <= ch <= "\u9fff":
        return "h"
    return "s" if ch.isspace() else "p"


def _padded(text: str) -> tuple[str, str]:
    """The text and its character kinds, padded two each side (computed once per text, not once per character)."""
    return f"^^{text}$$", f"^^{''.join(_kind(c) for c in text)}$$"


def _features(padded: str, kinds: str, i: int, previous: str) -> list[str]:
    window, shape = padded[i:i + 5], kinds[i:i + 5]
    return ["b", f"c0={window[2]}", f"c-1={window[1]}", f"c+1={window[3]}", f"c-2={window[0]}", f"c+2={window[4]}",
            f"c-1c0={window[1:3]}", f"c0c+1={window[2:4]}", f"k={shape}", f"k0={shape[2]}", f"t-1={previous}",
            f"t-1c0={previous}|{window[2]}"]


def _labels(length: int, entities: Iterable[Entity], names: set[str]) -> list[str]:
    tags = [OUTSIDE] * length
    for e in entities:
        if e.entity in names and 0 <= e.start < e.end <= length:
            tags[e.start:e.end] = [f"B-{e.entity}"] + [f"I-{e.entity}"] * (e.end - e.start - 1)
    return tags


@dataclass
class SpanTagger:
    """Tags characters; weights are feature -> label -> weight (averaged over training)."""

    labels: list[str]
    weights: dict[str, dict[str, float]] = field(default_factory=dict)

    def _best(self, feats: list[str], previous: str) -> str:
        scores = dict.fromkeys(self.labels, 0.0)
        for f in feats:
            row = self.weights.get(f)
            if row:
                for label, w in row.items():
                    scores[label] += w
        # Highest score; on a tie "O", then the first label.
        best = max(scores.values())
        label = OUTSIDE if scores[OUTSIDE] == best else next(lab for lab in self.labels if scores[lab] == best)
        if label.startswith("I-") and previous[2:] != label[2:]:
            label = "B-" + label[2:]
        return label

    @cached_property
    def _table(self) -> tuple[dict[str, int], np.ndarray]:
        """The weights as a matrix (row 0 for unknown features), to score every character at once."""
        index = {f: i for i, f in enumerate(self.weights, start=1)}
        matrix = np.zeros((len(index) + 1, len(self.labels)))
        column = {label: j for j, label in enumerate(self.labels)}
        for f, row in self.weights.items():
            for label, w in row.items():
                matrix[index[f], column[label]] = w
        return index, matrix

    def _first_tagged(self, padded: str, kinds: str, length: int) -> int:
        """The first character whose label is not O when every character before it is O (length if none).

        Most messages hold no span: one matrix pass over all characters proves it, and the greedy walk, whose
        steps depend on the label before, starts at the first character that could begin one.
        """
        index, matrix = self._table
        rows = [[index.get(f, 0) for f in _features(padded, kinds, i, OUTSIDE)] for i in range(length)]
        if not rows:
            return length
        tagged = np.flatnonzero(matrix[np.array(rows)].sum(axis=1).argmax(axis=1))
        return int(tagged[0]) if len(tagged) else length

    def tag(self, text: str) -> list[Entity]:
        """The entity spans found in ``text`` (already cleaned)."""
        found, previous, start = [], OUTSIDE, None
        folded = text.lower()
        padded, kinds = _padded(folded)
        for i in range(self._first_tagged(padded, kinds, len(folded)), len(folded) + 1):
            label = self._best(_features(padded, kinds, i, previous), previous) if i < len(folded) else OUTSIDE
            if start is not None and not label.startswith("I-"):
                name = previous[2:]
                span = text[start:i].strip().split()[0].rstrip(_TRAILING) if text[start:i].strip() else ""
                if span:
                    offset = start + text[start:i].index(span)
                    found.append(Entity(name, span, offset, offset + len(span), span, "tagger", 0.9))
                start = None
            if label.startswith("B-"):
                start = i
            previous = label
        return found

    @classmethod
    def train(cls, examples: list[tuple[str, tuple[Entity, ...]]], names: set[str], seed: int,
              epochs: int = 6) -> "SpanTagger":
        """Averaged perceptron over the examples' characters, deterministic for a given seed."""
        labels = [OUTSIDE] + [f"{p}-{n}" for n in sorted(names) for p in ("B", "I")]
        model = cls(labels)
        trainer = _Averager(model)
        data = [(text.lower(), _labels(len(text), ents, names)) for text, ents in examples]
        rng = random.Random(seed)
        for _ in range(epochs):
            rng.shuffle(data)
            for text, gold in data:
                previous = OUTSIDE
                padded, kinds = _padded(text)
                for i, truth in enumerate(gold):
                    feats = _features(padded, kinds, i, previous)
                    guess = model._best(feats, previous)
                    trainer.update(truth, guess, feats)
                    previous = truth
        trainer.average()
        return model

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state for the model artefact."""
        return {"labels": self.labels, "weights": self.weights}


class _Averager:
    """Keeps the running totals that turn perceptron weights into averaged weights."""

    def __init__(self, model: SpanTagger):
        self.model, self.step = model, 0
        self.totals: dict[tuple[str, str], float] = defaultdict(float)
        self.stamps: dict[tuple[str, str], int] = defaultdict(int)

    def update(self, truth: str, guess: str, feats: list[str]) -> None:
        self.step += 1
        if truth == guess:
            return
        for f in feats:
            for label, delta in ((truth, 1.0), (guess, -1.0)):
                row = self.model.weights.setdefault(f, {})
                key = (f, label)
                self.totals[key] += (self.step - self.stamps[key]) * row.get(label, 0.0)
                self.stamps[key] = self.step
                row[label] = row.get(label, 0.0) + delta

    def average(self) -> None:
        for f, row in self.model.weights.items():
            for label, w in row.items():
                key = (f, label)
                total = self.totals[key] + (self.step - self.stamps[key]) * w
                row[label] = round(total / max(self.step, 1), 5)
        self.model.weights = {f: {lab: w for lab, w in row.items() if w} for f, row in self.model.weights.items()}
        self.model.weights = {f: row for f, row in self.model.weights.items() if row}
