"""Gap-list grouping figures: time to group N distinct unanswered questions, and agreement with the plain
quadratic grouping (on the smallest size).

The questions are real Chinese user requests (the public SMP2017 set in ../shared/data/smp2017, read in place),
varied with the prefixes and suffixes customers add, and asked a Zipf-distributed number of times.

Run: .venv/bin/python bench/kb_gaps.py [--sizes 1000 5000 20000] [DATA_DIR]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from servicedesk.kb.gaps import group_similar  # noqa: E402
from nlu.text.retrieval import char_ngrams  # noqa: E402
from nlu.training_data import load_tsv  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "smp2017"
PREFIXES = ("", "", "请问", "你好，", "麻烦问下", "急！")
SUFFIXES = ("", "", "吗", "怎么办", "？", "呢", "谢谢")


def sentences(folder: Path) -> list[str]:
    """Every distinct text of the SMP2017 files."""
    names = ("train.tsv", "test.tsv", "Chinese_data.tsv")
    return list(dict.fromkeys(e.text for name in names for e in load_tsv(folder / name).examples))


def questions(base: list[str], size: int, seed: int = 11) -> list[tuple[str, int]]:
    """``size`` distinct (question, times asked), most asked first."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < size:
        text = rng.choice(base)
        if rng.random() < 0.3:
            text += "，" + rng.choice(base)
        out[rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)] = None
    counted = [(q, max(1, int(rng.paretovariate(1.2)))) for q in out]
    return sorted(counted, key=lambda c: -c[1])


def quadratic(counted: list[tuple[str, int]], threshold: float = 0.5) -> int:
    """How many groups the plain compare-with-every-group grouping makes."""
    heads: list[set[str]] = []
    for query, _ in counted:
        grams = set(char_ngrams(query)) or {query}
        if not any(len(grams & h) / len(grams | h) >= threshold for h in heads):
            heads.append(grams)
    return len(heads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 5000, 20000])
    args = parser.parse_args()
    base = sentences(args.data)
    print(f"{len(base)} distinct SMP2017 sentences as the seed of the questions")
    for size in args.sizes:
        counted = questions(base, size)
        start = time.perf_counter()
        groups = group_similar(counted)
        took = time.perf_counter() - start
        print(f"{size:>7} distinct questions ({sum(c for _, c in counted)} asked): {len(groups)} groups "
              f"in {took:.2f} s, largest {groups[0].count}")
    small = questions(base, args.sizes[0])
    start = time.perf_counter()
    plain = quadratic(small)
    print(f"plain quadratic grouping of {args.sizes[0]}: {plain} groups in {time.perf_counter() - start:.2f} s "
          f"(prefix filtering: {len(group_similar(small))} groups)")


if __name__ == "__main__":
    main()
