"""Shared NLU fixtures: one interpreter trained on the small fixture data, reused by the whole module tree."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from nlu.builtin import BuiltinInterpreter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nlu"
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)  # a Monday morning


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's fixture model is saved."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def interpreter(model_dir: Path) -> BuiltinInterpreter:
    """The built-in engine trained on tests/fixtures/nlu, with a clock frozen at NOW."""
    trained = BuiltinInterpreter.load_or_train(FIXTURES, model_dir, threshold=0.45, ambiguity_margin=0.1,
                                               timezone="Asia/Shanghai")
    return BuiltinInterpreter(trained.model, threshold=0.45, ambiguity_margin=0.1, timezone="Asia/Shanghai",
                              clock=lambda: NOW)
