"""Runs every scripted conversation under tests/conversations/ against the real engine and NLU."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.components import open_components
from bot.conversation_tests import CapturedSms, load_cases, run_case

CASES = load_cases(Path(__file__).with_name("conversations"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_conversation(case, app_config):
    sms = CapturedSms()
    async with open_components(app_config(), sms) as components:
        outcome = await run_case(case, components.engine, components.store, sms)
    assert not outcome.failures, "\n".join(outcome.failures)
