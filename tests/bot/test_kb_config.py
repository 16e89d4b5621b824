"""The `kb` config section: thresholds reach the desk's search settings; nonsense fails at load."""
from __future__ import annotations

import pytest

from bot.components import kb_settings
from bot.errors import ConfigError
from tests.support import ROOT, shipped_config


def test_thresholds_and_dictionary_from_the_config_reach_the_desk():
    settings = kb_settings(shipped_config(FRONTDOOR_KB__ANSWER_THRESHOLD="0.8"))
    assert (settings.thresholds.answer, settings.thresholds.suggest) == (0.8, 0.58)
    assert settings.user_dict == ROOT / "nlu" / "data" / "dict.txt"


def test_suggest_above_answer_is_refused():
    with pytest.raises(ConfigError, match="suggest_threshold"):
        shipped_config(FRONTDOOR_KB__SUGGEST_THRESHOLD="0.9")
