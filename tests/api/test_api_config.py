"""The `api` and `servicedesk` (http) configuration: secrets only from the environment, fail fast otherwise."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import ConfigError
from tests.support import shipped_config


def test_tokens_come_from_the_environment_with_comma_separated_scopes():
    config = shipped_config(FRONTDOOR_API__TOKENS__WECHATBOT__SCOPES="bot, agent",
                            FRONTDOOR_API__TOKENS__WECHATBOT__TOKEN="s" * 20)
    token = config.api.tokens["wechatbot"]
    assert token.scopes == ["bot", "agent"] and token.token.get_secret_value() == "s" * 20
    assert "s" * 20 not in repr(config)


@pytest.mark.parametrize("text, key", [
    ("api:\n  tokens:\n    bot: {scopes: [bot], token: abcdefabcdefabcdef}\n", "FRONTDOOR_API__TOKENS__BOT__TOKEN"),
    ("servicedesk:\n  token: abcdefabcdefabcdef\n", "FRONTDOOR_SERVICEDESK__TOKEN"),
])
def test_a_secret_in_the_file_is_refused_naming_its_variable(tmp_path: Path, text: str, key: str):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    assert key in str(error.value)


@pytest.mark.parametrize("environ, key", [
    ({"FRONTDOOR_API__TOKENS__X__TOKEN": "s" * 20}, "api.tokens.x.scopes"),
    ({"FRONTDOOR_API__TOKENS__X__SCOPES": "root", "FRONTDOOR_API__TOKENS__X__TOKEN": "s" * 20},
     "api.tokens.x.scopes"),
    ({"FRONTDOOR_API__TOKENS__X__SCOPES": "bot", "FRONTDOOR_API__TOKENS__X__TOKEN": "short"}, "api.tokens.x.token"),
    ({"FRONTDOOR_SERVICEDESK__BACKEND": "http", "FRONTDOOR_SERVICEDESK__URL": "http://desk:8080"}, "servicedesk"),
])
def test_bad_api_settings_fail_naming_the_key(environ: dict[str, str], key: str):
    with pytest.raises(ConfigError) as error:
        shipped_config(**environ)
    assert key in str(error.value)


def test_the_http_backend_is_configured_from_url_and_env_token():
    config = shipped_config(FRONTDOOR_SERVICEDESK__BACKEND="http", FRONTDOOR_SERVICEDESK__URL="http://desk:8080",
                            FRONTDOOR_SERVICEDESK__TOKEN="t" * 20, FRONTDOOR_SERVICEDESK__RETRIES="3")
    assert config.servicedesk.backend == "http" and config.servicedesk.retries == 3
