"""Runs every scripted conversation under tests/conversations/ against the real engine and NLU."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.components import build_interpreter, open_components
from bot.conversation_tests import CapturedSms, load_cases, run_case
from tests.support import shipped_config

CASES = load_cases(Path(__file__).with_name("conversations"))


@pytest.fixture(scope="module")
def interpreter(model_dir):
    """The built-in NLU, loaded once for all cases (each case still gets its own database and store)."""
    return build_interpreter(shipped_config(FRONTDOOR_NLU__MODEL_DIR=str(model_dir)))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_conversation(case, app_config, interpreter):
    sms = CapturedSms()
    async with open_components(app_config(), sms, interpreter) as components:
        outcome = await run_case(case, components.engine, components.store, sms)
    assert not outcome.failures, "\n".join(outcome.failures)
