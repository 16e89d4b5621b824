"""Benchmark of the built-in NLU on real customer posts (the STC-3 development set): acceptable and primary accuracy.

Usage: python bench/nlu_realposts.py [TSV] [--data NLU_DIR] [--errors N]
(default TSV: ../shared/data/stc3_dev/stc3_dev.tsv beside the repository; default data: nlu/data)
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlu.builtin import BuiltinInterpreter, train_model  # noqa: E402
from nlu.evaluation import load_posts, score_posts  # noqa: E402
from nlu.training_data import load_path  # noqa: E402

DEFAULT_POSTS = ROOT.parent / "shared/data/stc3_dev/stc3_dev.tsv"


def confusion_lines(pairs: list[tuple[str, str]]) -> list[str]:
    """The most frequent (primary -> predicted) confusions, one per line."""
    counts = Counter(pairs)
    return [f"  {gold:>17} -> {guess:<17} {n}" for (gold, guess), n in counts.most_common(20)]


def main() -> int:
    """Train on the NLU data, parse every post, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posts", nargs="?", type=Path, default=DEFAULT_POSTS)
    parser.add_argument("--data", type=Path, default=ROOT / "nlu/data")
    parser.add_argument("--errors", type=int, default=0, help="print this many misread posts")
    args = parser.parse_args()
    posts = load_posts(args.posts)
    started = time.perf_counter()
    model = train_model(load_path(args.data), args.data, 42)
    train_s = time.perf_counter() - started
    interpreter = BuiltinInterpreter(model, threshold=0.45, ambiguity_margin=0.1, timezone="Asia/Shanghai")
    parses, latencies = [], []
    for post in posts:
        tick = time.perf_counter()
        parses.append(interpreter.parse_sync(post.text))
        latencies.append((time.perf_counter() - tick) * 1000)
    latencies.sort()
    scores = score_posts([p.intent for p in parses], posts)
    complaints = [p for p, post in zip(parses, posts) if post.primary == "complaint"]
    print(f"posts: {args.posts} ({len(posts)}), trained on {args.data} in {train_s:.2f}s")
    for name, value in scores.items():
        print(f"{name}: {value:.4f}")
    print(f"complaint_recall (intent or flag): "
          f"{sum(p.intent == 'complaint' or 'complaint' in p.flags for p in complaints) / max(len(complaints), 1):.4f}")
    print(f"fallback_rate: {sum(p.fallback for p in parses) / max(len(posts), 1):.4f}")
    print(f"parse_ms p50: {statistics.median(latencies):.3f}  p99: {latencies[int(len(latencies) * 0.99)]:.3f} "
          f"(posts, median {statistics.median(len(p.text) for p in posts):.0f} characters)")
    print("flags:", ", ".join(f"{k} {v}" for k, v in Counter(f for p in parses for f in p.flags).most_common()))
    print("predicted:", ", ".join(f"{k} {v}" for k, v in Counter(p.intent for p in parses).most_common()))
    misread = [(p, post) for p, post in zip(parses, posts) if p.intent not in post.acceptable]
    print("confusion (primary -> predicted, when not acceptable):")
    print("\n".join(confusion_lines([(post.primary, p.intent) for p, post in misread])))
    for p, post in misread[:args.errors]:
        print(f"  [{post.primary} / {','.join(post.acceptable)}] -> {p.intent} {p.confidence:.2f}: {post.text[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
