"""Knowledge-base retrieval figures: quality on the shipped eval set, latency at 68 and 1,000 articles.

Run: .venv/bin/python bench/kb_eval.py [--eval FILE] [--answer A --suggest S] [--misses] [--calibrate]
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend_client.kb import Article, Thresholds
from servicedesk.kb import Scope, SearchIndex, load_path  # noqa: E402
from servicedesk.kb.calibrate import fit, held_out_samples, negative_samples, sample  # noqa: E402
from servicedesk.kb.evaluate import evaluate, load_cases, timed_search  # noqa: E402
from servicedesk.kb.index import TIE_MARGIN, decide  # noqa: E402

ARTICLES = ROOT / "servicedesk" / "kb" / "articles"
USER_DICT = ROOT / "nlu" / "data" / "dict.txt"
DEV = ROOT / "bench" / "data" / "kb_dev.tsv"
DEV_OOS = ROOT / "bench" / "data" / "kb_dev_oos.txt"
EVAL_SCOPE = Scope(tier="industry", region="广东/深圳")


def synthetic_corpus(base: list[Article], size: int, seed: int = 7) -> list[Article]:
    """``size`` articles made by recombining sentences of the real ones (for latency only)."""
    rng = random.Random(seed)
    sentences = [s for a in base for s in a.body.replace("\n", "。").split("。") if len(s) > 6]
    questions = [q for a in base for q in a.questions]
    out = list(base)
    while len(out) < size:
        src = rng.choice(base)
        body = "。".join(rng.sample(sentences, 12))
        out.append(dataclasses.replace(
            src, key=f"synthetic-{len(out)}", title=rng.choice(questions) + rng.choice(["说明", "指南", "常见问题"]),
            questions=tuple(rng.sample(questions, 5)), body=body,
        ))
    return out


def _lines(path: Path) -> list[str]:
    return [q.strip() for q in path.read_text(encoding="utf-8").splitlines() if q.strip() and not q.startswith("#")]


def calibrate(articles: list[Article], index: SearchIndex, thresholds: Thresholds, folds: int = 5) -> None:
    """Fit the calibration on held-out KB questions, the dev set's questions and the calibration negatives (never the
    eval set; the dev set's out-of-scope lines stay out too), and print 5-fold cross-validated dev figures of the
    decision (answer threshold and runner-up margin) with the configured suggest threshold."""
    negatives = negative_samples(index, _lines(DEV_OOS))
    held_out = held_out_samples(articles, index)
    cases = load_cases(DEV)
    dev = [sample(index, c.question, c.expected, EVAL_SCOPE) for c in cases]
    fold = np.arange(len(dev)) % folds
    inside = np.array([bool(c.expected) for c in cases])
    scores: list[list[float]] = [[] for _ in dev]  # each question's hits' scores, rank order, by its fold's weights
    for k in range(folds):
        train = [s for s, i, f in zip(dev, inside, fold) if i and f != k]
        weights = fit([*held_out, *negatives, *train], index.weights)
        for n in np.flatnonzero(fold == k):
            scores[n] = [weights.score(x) for x in (dev[n].signals, *dev[n].rivals)]
    right = np.array([s.correct for s in dev])
    print(f"calibration: {len(held_out)} held-out KB questions (hit@1 {np.mean([s.correct for s in held_out]):.3f}), "
          f"{inside.sum()} dev questions, {len(negatives)} negatives")
    print(f"dev, {folds}-fold cross-validated; answer needs the top score >= A and a log-odds lead >= M over the runner-up:")
    for margin in (0.0, TIE_MARGIN, 0.15, 0.3):
        for answer in (thresholds.answer - 0.07, thresholds.answer - 0.02, thresholds.answer, thresholds.answer + 0.03,
                       thresholds.answer + 0.08):
            cut = Thresholds(answer=answer, suggest=min(thresholds.suggest, answer))
            decisions = np.array([decide(x, cut, margin).value for x in scores])
            answered = decisions == "answer"
            print(f"  M {margin:.2f} A {answer:.2f}: answered {answered[inside].mean():.3f}, answered and right "
                  f"{(answered & right)[inside].mean():.3f}; out-of-scope answered {answered[~inside].mean():.3f}, "
                  f"abstain {(decisions == 'abstain')[~inside].mean():.3f}")
    weights = fit([*held_out, *negatives, *[s for s, i in zip(dev, inside) if i]], index.weights)
    print(f"fitted on all: {weights}")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=ROOT / "bench" / "data" / "kb_eval.tsv")
    parser.add_argument("--answer", type=float, default=0.72)
    parser.add_argument("--suggest", type=float, default=0.58)
    parser.add_argument("--misses", action="store_true", help="list the questions not ranked first")
    parser.add_argument("--calibrate", action="store_true", help="refit the score calibration on the dev data")
    args = parser.parse_args()
    thresholds = Thresholds(answer=args.answer, suggest=args.suggest)
    user_dict = USER_DICT if USER_DICT.exists() else None
    articles = load_path(ARTICLES)
    index = SearchIndex(articles, user_dict)
    if args.calibrate:
        calibrate(articles, index, thresholds)
        return
    cases = load_cases(args.eval)
    report = evaluate(index, cases, thresholds, EVAL_SCOPE)
    published = sum(a.searchable for a in articles)
    print(f"articles {len(articles)} ({published} published); user dictionary: {user_dict or 'none'}")
    print(f"thresholds: answer >= {thresholds.answer}, suggest >= {thresholds.suggest}; scope {EVAL_SCOPE}")
    print("\n".join(report.lines()))
    if args.misses:
        for miss in report.misses:
            print(f"  MISS {miss.question} -> expected {miss.expected}, got {list(miss.got)} ({miss.score:.2f})")
    big = SearchIndex(synthetic_corpus(articles, 1000), user_dict, tokenizer=index.tokenizer)
    questions = [c.question for c in cases] * 2
    latencies = timed_search(big, questions, thresholds, EVAL_SCOPE)
    print(f"synthetic corpus {len(big.articles)} articles: search p50 {np.percentile(latencies, 50):.2f} ms, "
          f"p99 {np.percentile(latencies, 99):.2f} ms ({len(questions)} searches)")


if __name__ == "__main__":
    main()
