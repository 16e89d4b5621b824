"""FRONTDOOR_CONFIG names the config file for the CLI; it is not a configuration key (issue 12)."""
from __future__ import annotations

from pathlib import Path

from bot.config import load_config

SHIPPED = Path(__file__).resolve().parents[2] / "config.yaml"


def test_the_config_path_variable_is_not_read_as_a_key():
    config = load_config(SHIPPED, {"FRONTDOOR_CONFIG": str(SHIPPED), "FRONTDOOR_REDIS__CONNECT_TIMEOUT_S": "0.5"})
    assert config.redis.client_options()["socket_connect_timeout"] == 0.5
    assert config.storage.statement_timeout_s == 10.0
