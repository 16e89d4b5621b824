"""Configuration: the shipped file validates, env variables override, errors name the key."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_config
from bot.errors import ConfigError
from tests.support import ROOT, shipped_config


def test_shipped_config_is_the_embedded_default():
    config = shipped_config()
    assert config.storage.url == f"sqlite+aiosqlite:///{ROOT / 'var' / 'frontdoor.db'}"
    assert config.conversations.backend == "memory" and config.nlu.backend == "builtin"
    assert config.nlu.data_dir == ROOT / "nlu" / "data"
    assert config.server.port == 8080


def test_environment_overrides_any_key_by_its_path():
    config = shipped_config(FRONTDOOR_SERVER__PORT="9090", FRONTDOOR_STORAGE__URL="postgresql+asyncpg://h/db",
                            FRONTDOOR_NLU__RASA__TIMEOUT_S="1.5", FRONTDOOR_STORAGE__SEED_DEMO="false")
    assert config.server.port == 9090
    assert config.storage.url == "postgresql+asyncpg://h/db"
    assert config.nlu.rasa.timeout_s == 1.5
    assert config.storage.seed_demo is False


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path):
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "c.yaml"
    path.write_text("nlu:\n  data_dir: data\nstorage:\n  url: sqlite+aiosqlite:///db/x.db\n", encoding="utf-8")
    config = load_config(path, {})
    assert config.nlu.data_dir == tmp_path / "conf" / "data"
    assert config.storage.url == f"sqlite+aiosqlite:///{tmp_path / 'conf' / 'db' / 'x.db'}"


@pytest.mark.parametrize("text, key", [
    ("server:\n  port: 99999\n", "server.port"),
    ("server:\n  prot: 8080\n", "server.prot"),
    ("conversations:\n  backend: memcached\n", "conversations.backend"),
    ("conversations:\n  backend: redis\n", "redis.url"),
])
def test_errors_name_the_bad_key(tmp_path: Path, text: str, key: str):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    assert key in str(error.value) and str(path) in str(error.value)


def test_env_variable_errors_name_the_key():
    with pytest.raises(ConfigError, match="server.port"):
        shipped_config(FRONTDOOR_SERVER__PORT="eighty")


def test_check_config_exits_2_with_the_reason(tmp_path: Path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text("storage: [1, 2]\n", encoding="utf-8")
    assert main(["--config", str(path), "check-config"]) == 2
    assert "storage" in capsys.readouterr().err
    assert main(["--config", str(tmp_path / "missing.yaml"), "check-config"]) == 2
    assert main(["--config", str(ROOT / "config.yaml"), "check-config"]) == 0
