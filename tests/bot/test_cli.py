"""The command line as an operator runs it: a real process, stdin and stdout."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def run_cli(args: list[str], tmp_path: Path, model_dir: Path, stdin: str = "") -> subprocess.CompletedProcess:
    environ = {"FRONTDOOR_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
               "FRONTDOOR_NLU__MODEL_DIR": str(model_dir), "FRONTDOOR_LOGGING__LEVEL": "WARNING",
               "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(ROOT / "config.yaml"), *args],
                          input=stdin, capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=120)


def test_chat_in_the_terminal_shows_numbered_choices_and_answers_by_digit(tmp_path, model_dir):
    result = run_cli(["chat", "--sender", "t1"], tmp_path, model_dir, stdin="你好\n1\n/exit\n")
    assert result.returncode == 0, result.stderr
    assert "1. 故障申报" in result.stdout and "3. 转人工" in result.stdout
    assert "请问是哪项业务出现了问题" in result.stdout  # "1" chose 故障申报


def test_db_upgrade_then_seed_reports_what_it_did(tmp_path, model_dir):
    assert "最新版本" in run_cli(["db", "upgrade"], tmp_path, model_dir).stdout
    seeded = run_cli(["db", "seed"], tmp_path, model_dir)
    assert "已添加演示客户 3 个" in seeded.stdout
    assert "已添加演示客户 0 个" in run_cli(["db", "seed"], tmp_path, model_dir).stdout
