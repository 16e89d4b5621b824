"""Benchmark of the built-in NLU on real customer posts (the STC-3 development set): acceptable and primary accuracy.

Usage: python bench/nlu_realposts.py [TSV] [--data NLU_DIR] [--errors N]
(default TSV: ../shared/data/stc3_dev/stc3_dev.tsv beside the repository; default data: nlu/data)
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlu.builtin import BuiltinInterpreter, train_model  # noqa: E402
from nlu.training_data import load_path  # noqa: E402

DEFAULT_POSTS = ROOT.parent / "shared/data/stc3_dev/stc3_dev.tsv"


def read_posts(path: Path) -> list[tuple[str, str, list[str]]]:
    """(text, primary, acceptable intents) per row of a ``text<TAB>primary<TAB>acceptable`` file."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["text"], r["primary"], r["acceptable"].split(",")) for r in rows]


def confusion_lines(pairs: list[tuple[str, str]]) -> list[str]:
    """The most frequent (primary -> predicted) confusions, one per line."""
    counts = Counter((gold, guess) for gold, guess in pairs if gold != guess)
    return [f"  {gold:>17} -> {guess:<17} {n}" for (gold, guess), n in counts.most_common(20)]


def main() -> int:
    """Train on the NLU data, parse every post, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posts", nargs="?", type=Path, default=DEFAULT_POSTS)
    parser.add_argument("--data", type=Path, default=ROOT / "nlu/data")
    parser.add_argument("--errors", type=int, default=0, help="print this many misread posts")
    args = parser.parse_args()
    posts = read_posts(args.posts)
    started = time.perf_counter()
    model = train_model(load_path(args.data), args.data, 42)
    train_s = time.perf_counter() - started
    interpreter = BuiltinInterpreter(model, threshold=0.45, ambiguity_margin=0.1, timezone="Asia/Shanghai")
    parses = [interpreter.parse_sync(text) for text, _, _ in posts]
    n = len(posts)
    acceptable = sum(p.intent in ok for p, (_, _, ok) in zip(parses, posts)) / n
    primary = sum(p.intent == gold for p, (_, gold, _) in zip(parses, posts)) / n
    complaints = [p for p, (_, gold, _) in zip(parses, posts) if gold == "complaint"]
    flagged = [p for p, (_, gold, _) in zip(parses, posts) if gold == "complaint"
               and (p.intent == "complaint" or "complaint" in getattr(p, "flags", ()))]
    print(f"posts: {args.posts} ({n}), trained on {args.data} in {train_s:.2f}s")
    print(f"acceptable_accuracy: {acceptable:.4f}")
    print(f"primary_accuracy: {primary:.4f}")
    print(f"complaint_recall (intent): {sum(p.intent == 'complaint' for p in complaints) / max(len(complaints), 1):.4f}")
    print(f"complaint_recall (intent or flag): {len(flagged) / max(len(complaints), 1):.4f}")
    print(f"report_fault_share: {sum(p.intent == 'report_fault' for p in parses) / n:.4f}")
    print(f"fallback_rate: {sum(p.fallback for p in parses) / n:.4f}")
    print("predicted:", ", ".join(f"{k} {v}" for k, v in Counter(p.intent for p in parses).most_common()))
    print("confusion (primary -> predicted, when not acceptable):")
    print("\n".join(confusion_lines([(gold, p.intent) for p, (_, gold, ok) in zip(parses, posts)
                                    if p.intent not in ok])))
    for p, (text, gold, ok) in [(p, row) for p, row in zip(parses, posts) if p.intent not in row[2]][:args.errors]:
        print(f"  [{gold} / {','.join(ok)}] -> {p.intent} {p.confidence:.2f}: {text[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
