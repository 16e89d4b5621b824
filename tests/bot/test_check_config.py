"""`check-config` finds what would stop `serve`, and `serve` stops with a message (exit 2), never a traceback."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.support import ROOT


def check(config: Path, monkeypatch, **environ: str) -> int:  # type: ignore[no-untyped-def]
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return main(["--config", str(config), "check-config"])


def test_the_shipped_config_is_valid_here(monkeypatch, capsys):
    assert check(ROOT / "config.yaml", monkeypatch) == 0
    assert "配置有效" in capsys.readouterr().out


@pytest.mark.parametrize("environ, named", [
    ({"FRONTDOOR_TIMEZONE": "Asia/Beijing"}, "unknown time zone 'Asia/Beijing'"),
    ({"FRONTDOOR_STORAGE__URL": "mysql+aiomysql://desk@db.internal/frontdoor"}, "'aiomysql' is not installed"),
    ({"FRONTDOOR_STORAGE__URL": "postgresql+psycopg2://desk@db.internal/frontdoor"}, "not asynchronous"),
    ({"FRONTDOOR_STORAGE__URL": "a database on the second floor"}, "not a database URL"),
    ({"FRONTDOOR_SERVICEDESK__FRONT_DESK_GROUP": "gd-hotline"}, "front_desk_group 'gd-hotline' is not one of"),
    ({"FRONTDOOR_SERVICEDESK__COMPLAINTS__GROUP": "gd-tousu"}, "complaints.group 'gd-tousu'"),
    ({"FRONTDOOR_HANDOFF__GROUP": "gd-kefu"}, "handoff.group 'gd-kefu'"),
    ({"FRONTDOOR_SERVICEDESK__COMPLAINTS__PLAN": "platinum"}, "complaints.plan 'platinum'"),
    ({"FRONTDOOR_SERVICEDESK__DEFAULT_PLAN": "diamond"}, "default_plan 'diamond'"),
    ({"FRONTDOOR_SERVICEDESK__PLANS__BRONZE__MAX_ESCALATION": "ministry"}, "max_escalation"),
])
def test_each_mistake_an_operator_makes_is_named(monkeypatch, capsys, environ, named):
    assert check(ROOT / "config.yaml", monkeypatch, **environ) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err


def test_a_config_copied_out_of_the_repository_names_the_missing_folders(tmp_path, monkeypatch, capsys):
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    assert check(tmp_path / "config.yaml", monkeypatch) == 2
    err = capsys.readouterr().err
    assert f"nlu.data_dir: folder {tmp_path / 'nlu' / 'data'} does not exist" in err
    assert "kb.user_dict" in err


def test_serve_with_a_broken_config_exits_2_with_the_reason_not_a_traceback(tmp_path):
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    environ = {"PATH": "/usr/bin:/bin", "FRONTDOOR_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot", "--config", str(tmp_path / "config.yaml"), "serve",
                             "--port", "1"], capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "nlu.data_dir" in result.stderr and "Traceback" not in result.stderr
