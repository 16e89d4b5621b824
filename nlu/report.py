"""Writes an Evaluation to disk the way `rasa test nlu` does: JSON reports, error list, table and plots."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlu.evaluation import Evaluation


def table(report: dict[str, Any], title: str = "intent") -> str:
    """A readable precision/recall/F1/support table of a per-label report."""
    rows = [(name, r) for name, r in report.items() if isinstance(r, dict)]
    width = max([len(title)] + [len(name) for name, _ in rows]) + 2
    lines = [f"{title:<{width}}{'precision':>10}{'recall':>10}{'f1-score':>10}{'support':>9}"]
    for name, r in rows:
        if name == "macro avg":
            lines.append("")
        lines.append(f"{name:<{width}}{r['precision']:>10.4f}{r['recall']:>10.4f}{r['f1-score']:>10.4f}"
                     f"{r['support']:>9}")
    if "accuracy" in report:
        lines.insert(len(lines) - 2, f"{'accuracy':<{width}}{'':>20}{report['accuracy']:>10.4f}")
    return "\n".join(lines)


def summary(evaluation: Evaluation) -> str:
    """The lines printed after a test run."""
    report = evaluation.report()
    oos = report["intents"].get("out_of_scope", {})
    lines = [f"examples: {report['examples']}", f"accuracy: {report['accuracy']:.4f}",
             f"macro_f1: {report['macro_f1']:.4f}", f"fallback_rate: {report['fallback_rate']:.4f}"]
    if oos:
        lines.append(f"out_of_scope recall: {oos['recall']:.4f}")
    if report["entities"]:
        lines.append(f"entity macro_f1: {report['entities']['macro avg']['f1-score']:.4f}")
    return "\n".join(lines)


def write(evaluation: Evaluation, out_dir: Path) -> list[str]:
    """Write every report file into ``out_dir``; returns messages about what was written or skipped."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report = evaluation.report()
    files = {"report.json": report, "intent_report.json": report["intents"],
             "intent_errors.json": evaluation.errors(), "entity_report.json": report["entities"]}
    for name, content in files.items():
        (out_dir / name).write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
    text = table(report["intents"])
    if report["entities"]:
        text += "\n\n" + table(report["entities"], "entity")
    (out_dir / "intent_report.txt").write_text(text + "\n", encoding="utf-8")
    return [f"wrote {', '.join(files)}, intent_report.txt to {out_dir}", _plots(evaluation, out_dir)]


def _plots(evaluation: Evaluation, out_dir: Path) -> str:
    try:
        import matplotlib
    except ImportError:
        return "matplotlib is not installed (pip install 'frontdoor[report]'): skipped the PNG plots"
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    _confusion_png(evaluation, out_dir / "intent_confusion_matrix.png", plt)
    _histogram_png(evaluation, out_dir / "intent_histogram.png", plt)
    plt.close("all")
    return f"wrote intent_confusion_matrix.png, intent_histogram.png to {out_dir}"


def _confusion_png(evaluation: Evaluation, path: Path, plt: Any) -> None:
    labels, matrix = evaluation.confusion()
    size = max(6.0, 0.35 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            if count:
                ax.text(j, i, str(count), ha="center", va="center", fontsize=6,
                        color="white" if count > max(map(max, matrix)) / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Intent confusion matrix (accuracy {evaluation.accuracy:.3f})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def _histogram_png(evaluation: Evaluation, path: Path, plt: Any) -> None:
    right = [p.parse.confidence for p in evaluation.predictions if p.example.intent == p.parse.intent]
    wrong = [p.parse.confidence for p in evaluation.predictions if p.example.intent != p.parse.intent]
    fig, ax = plt.subplots(figsize=(8, 5))
    bins = [i / 20 for i in range(21)]
    ax.hist([right, wrong], bins=bins, label=["correct", "wrong"], color=["#2b8cbe", "#e34a33"])
    ax.set_xlabel("confidence")
    ax.set_ylabel("examples")
    ax.set_title("Intent prediction confidence")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
