"""Scores an interpreter on labelled examples, like `rasa test nlu`: intents, entities, errors, cross-validation."""
from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable

from nlu.training_data import Example, NluDataError, TrainingData
from nlu.types import Parse

ParseFn = Callable[[str], Awaitable[Parse]]
Canonical = Callable[[str, str], str]
UNSCORED_VALUES = {"datetime"}  # annotations hold the words (明天下午三点), the engine an ISO timestamp


@dataclass
class Prediction:
    """One example and what the interpreter made of it."""

    example: Example
    parse: Parse

    def to_dict(self) -> dict[str, Any]:
        """The report.json row."""
        return {"text": self.example.text, "intent": self.example.intent, "predicted": self.parse.intent,
                "confidence": round(self.parse.confidence, 6), "fallback": self.parse.fallback}


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts (0 where undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1-score": round(f1, 4)}


def _averages(per_label: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    total = sum(row["support"] for row in per_label.values()) or 1
    keys = ("precision", "recall", "f1-score")
    macro = {k: round(sum(r[k] for r in per_label.values()) / max(len(per_label), 1), 4) for k in keys}
    weighted = {k: round(sum(r[k] * r["support"] for r in per_label.values()) / total, 4) for k in keys}
    return {"macro avg": {**macro, "support": total}, "weighted avg": {**weighted, "support": total}}


@dataclass
class Evaluation:
    """Every prediction plus the derived intent and entity reports."""

    predictions: list[Prediction] = field(default_factory=list)
    canonical: Canonical | None = None  # maps an annotated value through the engine's synonyms and normalisers

    @property
    def labels(self) -> list[str]:
        """Gold and predicted intents, sorted."""
        return sorted({p.example.intent for p in self.predictions} | {p.parse.intent for p in self.predictions})

    @property
    def accuracy(self) -> float:
        """Share of examples whose intent was predicted right."""
        right = sum(p.example.intent == p.parse.intent for p in self.predictions)
        return right / len(self.predictions) if self.predictions else 0.0

    def intent_report(self) -> dict[str, Any]:
        """Per-intent precision/recall/F1/support with macro and weighted averages (sklearn's layout)."""
        counts: dict[str, Counter] = defaultdict(Counter)
        for p in self.predictions:
            gold, guess = p.example.intent, p.parse.intent
            counts[gold]["support"] += 1
            counts[gold]["tp" if gold == guess else "fn"] += 1
            if gold != guess:
                counts[guess]["fp"] += 1
        per = {label: {**prf(c["tp"], c["fp"], c["fn"]), "support": c["support"]}
               for label, c in sorted(counts.items()) if c["support"]}
        return {**per, "accuracy": round(self.accuracy, 4), **_averages(per)}

    @property
    def macro_f1(self) -> float:
        """Macro-averaged F1 over the gold intents."""
        return self.intent_report()["macro avg"]["f1-score"]

    def errors(self) -> list[dict[str, Any]]:
        """Misclassified examples, least confident first."""
        wrong = [p.to_dict() for p in self.predictions if p.example.intent != p.parse.intent]
        return sorted(wrong, key=lambda row: row["confidence"])

    def confusion(self) -> tuple[list[str], list[list[int]]]:
        """Labels and the confusion matrix (rows gold, columns predicted)."""
        labels = self.labels
        index = {label: i for i, label in enumerate(labels)}
        matrix = [[0] * len(labels) for _ in labels]
        for p in self.predictions:
            matrix[index[p.example.intent]][index[p.parse.intent]] += 1
        return labels, matrix

    def entity_report(self) -> dict[str, Any]:
        """Exact-span precision/recall/F1 per annotated entity type, and how often the value matched too."""
        counts: dict[str, Counter] = defaultdict(Counter)
        canonical = self.canonical or (lambda _entity, value: value)
        for p in self.predictions:
            gold = {(e.entity, e.start, e.end): canonical(e.entity, e.value) for e in p.example.entities}
            found = {(e.entity, e.start, e.end): e.value for e in p.parse.entities}
            for key, value in gold.items():
                counts[key[0]]["support"] += 1
                counts[key[0]]["tp" if key in found else "fn"] += 1
                counts[key[0]]["value_ok"] += key in found and found[key] == value
            for key in found.keys() - gold.keys():
                counts[key[0]]["fp"] += 1
        per = {name: {**prf(c["tp"], c["fp"], c["fn"]), "support": c["support"]}
               for name, c in sorted(counts.items()) if c["support"]}
        for name, row in per.items():
            if name not in UNSCORED_VALUES and counts[name]["tp"]:
                row["value_accuracy"] = round(counts[name]["value_ok"] / counts[name]["tp"], 4)
        return {**per, **_averages(per)} if per else {}

    def report(self) -> dict[str, Any]:
        """The report.json content."""
        return {"accuracy": round(self.accuracy, 4), "macro_f1": self.macro_f1, "examples": len(self.predictions),
                "fallback_rate": round(sum(p.parse.fallback for p in self.predictions)
                                       / max(len(self.predictions), 1), 4),
                "intents": self.intent_report(), "entities": self.entity_report(),
                "predictions": [p.to_dict() for p in self.predictions]}


async def evaluate(parse: ParseFn, examples: Iterable[Example], canonical: Canonical | None = None) -> Evaluation:
    """Parse every example and collect the predictions."""
    return Evaluation([Prediction(example, await parse(example.text)) for example in examples], canonical)


def folds(data: TrainingData, k: int, seed: int) -> list[tuple[TrainingData, list[Example]]]:
    """K stratified (train, held-out) splits; synonyms, regexes and lookups stay in every train part."""
    if k < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for example in data.examples:
        by_intent[example.intent].append(example)
    assignment: list[list[Example]] = [[] for _ in range(k)]
    rng, offset = random.Random(seed), 0
    for intent in sorted(by_intent):
        items = sorted(by_intent[intent], key=lambda e: e.text)
        rng.shuffle(items)
        for i, example in enumerate(items):
            assignment[(i + offset) % k].append(example)
        offset += len(items)
    splits = []
    for i in range(k):
        train = [e for j, part in enumerate(assignment) if j != i for e in part]
        splits.append((TrainingData(train, data.synonyms, data.regexes, data.lookups), assignment[i]))
    return splits


@dataclass(frozen=True)
class Post:
    """A real message labelled with its primary intent and every intent a bot may act on (the dev-set format)."""

    text: str
    primary: str
    acceptable: tuple[str, ...]


def load_posts(path: Path) -> list[Post]:
    """Read ``text<TAB>primary<TAB>acceptable`` rows (header first; acceptable comma-separated)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or rows[0][:3] != ["text", "primary", "acceptable"]:
        raise NluDataError(path, 1, "expected the header text<TAB>primary<TAB>acceptable")
    posts = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 3 or not row[0].strip():
            raise NluDataError(path, line, "expected text<TAB>primary<TAB>acceptable")
        posts.append(Post(row[0], row[1].strip(), tuple(a.strip() for a in row[2].split(",") if a.strip())))
    return posts


def score_posts(intents: list[str], posts: list[Post]) -> dict[str, float]:
    """Acceptable and primary accuracy, complaint recall and report_fault share of ``intents`` read on ``posts``."""
    n = max(len(posts), 1)
    complaints = [guess for guess, post in zip(intents, posts) if post.primary == "complaint"]
    return {"acceptable_accuracy": sum(g in p.acceptable for g, p in zip(intents, posts)) / n,
            "primary_accuracy": sum(g == p.primary for g, p in zip(intents, posts)) / n,
            "complaint_recall": sum(g == "complaint" for g in complaints) / max(len(complaints), 1),
            "report_fault_share": sum(g == "report_fault" for g in intents) / n}
