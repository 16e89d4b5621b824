"""Benchmark of the built-in NLU engine on SMP2017-ECDT: accuracy, macro-F1, training time, latency, memory.

Usage: python bench/nlu_smp2017.py [DATA_DIR]   (default: ../shared/data/smp2017 beside the repository)
"""
from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlu.builtin import BuiltinInterpreter, train_model  # noqa: E402
from nlu.evaluation import evaluate  # noqa: E402
from nlu.model import TrainedModel  # noqa: E402
from nlu.training_data import load_tsv  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/smp2017"


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    """Train on train.tsv, score test.tsv, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    train, test = load_tsv(args.data / "train.tsv"), load_tsv(args.data / "test.tsv")
    started = time.perf_counter()
    model = train_model(train, None, args.seed)
    train_s = time.perf_counter() - started
    interpreter = BuiltinInterpreter(model, threshold=0.0, ambiguity_margin=0.0, timezone="Asia/Shanghai")
    evaluation = asyncio.run(evaluate(interpreter.parse, test.examples))
    latencies = []
    for example in test.examples * 3:
        tick = time.perf_counter()
        interpreter.parse_sync(example.text)
        latencies.append((time.perf_counter() - tick) * 1000)
    latencies.sort()
    print(f"data: {args.data} ({len(train.examples)} train / {len(test.examples)} test, "
          f"{len(train.intents)} intents)")
    print(f"accuracy: {evaluation.accuracy:.4f}")
    print(f"macro_f1: {evaluation.macro_f1:.4f}")
    print(f"training_s: {train_s:.2f}")
    print(f"parse_ms p50: {statistics.median(latencies):.3f}  p99: {latencies[int(len(latencies) * 0.99)]:.3f}")
    print(f"peak_rss_mb (process, incl. training): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")
    print(f"loaded_model_rss_mb: {_loaded_rss(model):.1f}")
    return 0


def _loaded_rss(model: TrainedModel) -> float:
    """RSS of a fresh process that only loads the saved artefact and parses (what `serve` pays)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.npz"
        model.save(path)
        code = ("import sys; sys.path.insert(0, sys.argv[2]); from pathlib import Path;"
                "from nlu.model import TrainedModel; from nlu.builtin import BuiltinInterpreter;"
                "m = TrainedModel.load(Path(sys.argv[1]));"
                "i = BuiltinInterpreter(m, threshold=0.5, ambiguity_margin=0.1, timezone='Asia/Shanghai');"
                "i.parse_sync('你好'); from bench.nlu_smp2017 import rss_mb; print(rss_mb())")
        root = str(Path(__file__).resolve().parents[1])
        out = subprocess.run([sys.executable, "-c", code, str(path), root], capture_output=True, text=True,
                             check=True, cwd=root)
        return float(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
