"""Retrieval quality and speed on (question, expected key) pairs: used by `frontdoor kb eval` and bench."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from servicedesk.kb.index import SearchIndex
from servicedesk.kb.loaders import KbFormatError
from backend_client.kb.result import Decision, Thresholds
from servicedesk.kb.scope import Scope


@dataclass(frozen=True)
class EvalCase:
    """One question and the article key that should answer it ('' = out of scope)."""

    question: str
    expected: str
    line: int = 0


@dataclass(frozen=True)
class Miss:
    """An in-scope question whose expected article was not ranked first."""

    question: str
    expected: str
    got: tuple[str, ...]
    score: float


@dataclass
class EvalReport:
    """The figures of one evaluation run."""

    in_scope: int = 0
    out_of_scope: int = 0
    hit1: float = 0.0
    hit3: float = 0.0
    mrr: float = 0.0
    rates: dict[str, float] = field(default_factory=dict)
    correct_answer_rate: float = 0.0
    oos_abstain: float = 0.0
    oos_answer: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    misses: list[Miss] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        r = self.rates
        return [
            f"in-scope questions   {self.in_scope}",
            f"hit@1                {self.hit1:.3f}",
            f"hit@3                {self.hit3:.3f}",
            f"MRR                  {self.mrr:.3f}",
            f"answer/suggest/abstain (in-scope)  {r.get('answer', 0):.3f} / {r.get('suggest', 0):.3f} / {r.get('abstain', 0):.3f}",
            f"answered and right (in-scope)      {self.correct_answer_rate:.3f}",
            f"out-of-scope questions {self.out_of_scope}: abstain {self.oos_abstain:.3f}, answered {self.oos_answer:.3f}",
            f"search latency p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms",
        ]


def load_cases(path: str | Path) -> list[EvalCase]:
    """Read ``question<TAB>expected_key`` lines; '#' lines and blank lines are skipped."""
    path = Path(path)
    cases = []
    for number, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        if len(parts) > 2 or not parts[0].strip():
            raise KbFormatError(path, number, "expected 'question<TAB>expected_key'")
        expected = parts[1].strip() if len(parts) == 2 else ""
        cases.append(EvalCase(parts[0].strip(), expected, number))
    return cases


def timed_search(index: SearchIndex, questions: Iterable[str], thresholds: Thresholds, scope: Scope | None = None) -> np.ndarray:
    """Wall-clock milliseconds of one search per question, each with its tokens cut afresh (not from the cache)."""
    out = []
    for q in questions:
        index.tokenizer.tokens.cache_clear()
        start = time.perf_counter()
        index.search(q, thresholds, scope)
        out.append((time.perf_counter() - start) * 1000)
    return np.asarray(out)


def evaluate(index: SearchIndex, cases: Sequence[EvalCase], thresholds: Thresholds, scope: Scope | None = None) -> EvalReport:
    """Rank every case, then compute hit@k, MRR, decision rates and latency percentiles."""
    report = EvalReport()
    decisions: dict[str, int] = {d.value: 0 for d in Decision}
    reciprocal, hit1, hit3, right_answers, oos_abstain, oos_answer = [], 0, 0, 0, 0, 0
    for case in cases:
        result = index.search(case.question, thresholds, scope)
        keys = result.keys
        if not case.expected:
            report.out_of_scope += 1
            oos_abstain += result.decision is Decision.ABSTAIN
            oos_answer += result.decision is Decision.ANSWER
            continue
        report.in_scope += 1
        decisions[result.decision.value] += 1
        rank = keys.index(case.expected) + 1 if case.expected in keys else 0
        hit1 += rank == 1
        hit3 += 1 <= rank <= 3
        right_answers += rank == 1 and result.decision is Decision.ANSWER
        reciprocal.append(1.0 / rank if rank else 0.0)
        if rank != 1:
            report.misses.append(Miss(case.question, case.expected, tuple(keys), result.score))
    n, m = max(report.in_scope, 1), max(report.out_of_scope, 1)
    report.hit1, report.hit3, report.mrr = hit1 / n, hit3 / n, float(np.mean(reciprocal or [0.0]))
    report.rates = {k: v / n for k, v in decisions.items()}
    report.correct_answer_rate = right_answers / n
    report.oos_abstain, report.oos_answer = oos_abstain / m, oos_answer / m
    latencies = timed_search(index, [c.question for c in cases], thresholds, scope)
    if len(latencies):
        report.p50_ms, report.p99_ms = float(np.percentile(latencies, 50)), float(np.percentile(latencies, 99))
    return report
