"""Scoring like `rasa test nlu`: metrics, errors, folds and the files written."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from nlu import report
from nlu.evaluation import Evaluation, Prediction, folds, prf
from nlu.training_data import Example, TrainingData
from nlu.types import Entity, Parse


def predicted(text: str, gold: str, guess: str, confidence: float = 0.9, entities=(), found=()) -> Prediction:
    return Prediction(Example(text, gold, tuple(entities)), Parse(text, guess, confidence, entities=tuple(found)))


@pytest.fixture
def evaluation() -> Evaluation:
    ticket = Entity("ticket_id", "GD202611230001", 1, 15, "GD202611230001", "annotation")
    return Evaluation([
        predicted("a", "greet", "greet"),
        predicted("b", "greet", "thank", 0.4),
        predicted("c", "thank", "thank"),
        predicted("d", "query_ticket", "query_ticket", entities=[ticket], found=[ticket]),
        predicted("e", "query_ticket", "query_ticket", entities=[ticket],
                  found=[Entity("phone_number", "1", 1, 4, "xxx")]),
    ])


def test_prf_handles_empty_counts():
    assert prf(0, 0, 0) == {"precision": 0.0, "recall": 0.0, "f1-score": 0.0}
    assert prf(2, 1, 1)["f1-score"] == pytest.approx(0.6667, abs=1e-4)


def test_intent_metrics(evaluation: Evaluation):
    intents = evaluation.intent_report()
    assert evaluation.accuracy == pytest.approx(0.8)
    assert intents["greet"] == {"precision": 1.0, "recall": 0.5, "f1-score": 0.6667, "support": 2}
    assert intents["thank"]["precision"] == 0.5 and intents["thank"]["recall"] == 1.0
    assert intents["macro avg"]["f1-score"] == pytest.approx((0.6667 + 0.6667 + 1.0) / 3, abs=1e-4)
    assert evaluation.errors() == [{"text": "b", "intent": "greet", "predicted": "thank", "confidence": 0.4,
                                    "fallback": False}]


def test_confusion_matrix_rows_are_gold(evaluation: Evaluation):
    labels, matrix = evaluation.confusion()
    assert labels == ["greet", "query_ticket", "thank"]
    assert matrix == [[1, 0, 1], [0, 2, 0], [0, 0, 1]]


def test_entity_scores_are_exact_span(evaluation: Evaluation):
    entities = evaluation.entity_report()
    assert entities["ticket_id"]["recall"] == 0.5 and entities["ticket_id"]["precision"] == 1.0
    assert entities["ticket_id"]["value_accuracy"] == 1.0
    assert "phone_number" not in entities  # never annotated: its false positive counts, no row of its own


def test_folds_are_stratified_disjoint_and_complete():
    examples = [Example(f"{intent}{i}", intent) for intent in ("a", "b") for i in range(10)]
    data = TrainingData(examples, {"x": "y"})
    splits = folds(data, 5, seed=1)
    held = [e for _, part in splits for e in part]
    assert sorted(e.text for e in held) == sorted(e.text for e in examples)
    for train, part in splits:
        assert [e.intent for e in part].count("a") == 2 and not set(part) & set(train.examples)
        assert train.synonyms == {"x": "y"}
    with pytest.raises(ValueError):
        folds(data, 1, seed=1)


def test_report_files(evaluation: Evaluation, tmp_path: Path):
    messages = report.write(evaluation, tmp_path)
    written = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert written["accuracy"] == 0.8 and written["macro_f1"] == evaluation.macro_f1
    assert written["predictions"][1] == {"text": "b", "intent": "greet", "predicted": "thank", "confidence": 0.4,
                                         "fallback": False}
    assert len(json.loads((tmp_path / "intent_errors.json").read_text(encoding="utf-8"))) == 1
    assert "ticket_id" in json.loads((tmp_path / "entity_report.json").read_text(encoding="utf-8"))
    assert "greet" in (tmp_path / "intent_report.txt").read_text(encoding="utf-8")
    for png in ("intent_confusion_matrix.png", "intent_histogram.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any("png" in m for m in messages)


def test_plots_are_skipped_without_matplotlib(evaluation: Evaluation, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    messages = report.write(evaluation, tmp_path)
    assert (tmp_path / "report.json").exists() and not (tmp_path / "intent_histogram.png").exists()
    assert any("matplotlib is not installed" in m for m in messages)


def test_table_lists_labels_and_averages(evaluation: Evaluation):
    text = report.table(evaluation.intent_report())
    lines = text.splitlines()
    assert lines[0].split() == ["intent", "precision", "recall", "f1-score", "support"]
    assert any(line.startswith("accuracy") and "0.8000" in line for line in lines)
    assert lines[-1].startswith("weighted avg")
