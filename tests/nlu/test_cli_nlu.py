"""`frontdoor nlu train|test|parse` through the real command line entry point."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.nlu.conftest import FIXTURES


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"nlu:\n  data_dir: {FIXTURES}\n  model_dir: {tmp_path / 'models'}\n", encoding="utf-8")
    return path


def test_train_writes_an_artefact(config: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["--config", str(config), "nlu", "train"]) == 0
    assert "7 intents" in capsys.readouterr().out
    assert len(list((config.parent / "models").glob("nlu-*.npz"))) == 1


def test_parse_prints_json(config: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["--config", str(config), "nlu", "parse", "明天下午三点来修专线", "--now", "2026-11-23T10:00:00"])
    parsed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert parsed["intent"]["name"] == "book_appointment"
    assert {"entity": "datetime", "value": "2026-11-24T15:00:00+08:00"}.items() <= parsed["entities"][0].items()
    assert len(parsed["intent_ranking"]) == 7


def test_test_on_tsv_writes_report(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = tmp_path / "held.tsv"
    data.write_text("text\tintent\n专线断了\treport_fault\n查工单进度\tquery_ticket\n讲个笑话\tgreet\n", encoding="utf-8")
    out = tmp_path / "report"
    assert main(["--config", str(config), "nlu", "test", "--data", str(data), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["examples"] == 3 and len(report["predictions"]) == 3
    assert report["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert "accuracy: 0.6667" in printed and "report_fault" in printed


def test_cross_validation(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "cv"
    assert main(["--config", str(config), "nlu", "test", "--cross-validation", "3", "--out", str(out)]) == 0
    assert capsys.readouterr().out.count("fold ") == 3
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["examples"] == 60


def test_missing_test_split_is_a_clear_error(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["--config", str(config), "nlu", "test", "--data", str(tmp_path / "nope.yml")])
    assert code == 2 and "nope.yml" in capsys.readouterr().err
