"""The command line as an operator runs it: a real process, stdin and stdout."""
from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from channels.terminal import run_chat
from dialogue.types import Button, Reply
from tests.support import ROOT


def run_cli(args: list[str], tmp_path: Path, model_dir: Path, stdin: str = "",
            seed: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {"FRONTDOOR_STORAGE__SEED_DEMO": str(seed).lower(),
               "FRONTDOOR_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
               "FRONTDOOR_NLU__MODEL_DIR": str(model_dir), "FRONTDOOR_LOGGING__LEVEL": "WARNING",
               "PATH": "/usr/bin:/bin", **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(ROOT / "config.yaml"), *args],
                          input=stdin, capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=120)


def test_chat_in_the_terminal_shows_numbered_choices_and_answers_by_digit(tmp_path, model_dir):
    result = run_cli(["chat", "--sender", "t1"], tmp_path, model_dir, stdin="你好\n1\n/exit\n")
    assert result.returncode == 0, result.stderr
    assert "1. 故障申报" in result.stdout and "3. 转人工" in result.stdout
    assert "请问是哪项业务出现了问题" in result.stdout  # "1" chose 故障申报


def test_db_upgrade_then_seed_reports_what_it_did(tmp_path, model_dir):
    assert "升级到 head" in run_cli(["db", "upgrade"], tmp_path, model_dir, seed=False).stdout
    seeded = run_cli(["desk", "seed"], tmp_path, model_dir, seed=False)
    assert "已添加演示客户 3 个" in seeded.stdout
    assert "已添加演示客户 0 个" in run_cli(["desk", "seed"], tmp_path, model_dir).stdout


def test_operator_runs_the_desk_from_the_command_line(tmp_path, model_dir):
    chat = "专线断了 电路GZ-MSTP-000123 电话13800138000\n确认\n/exit\n"
    opened = run_cli(["chat", "--sender", "cli-user"], tmp_path, model_dir, stdin=chat)
    number = re.search(r"GD\d{12}", opened.stdout).group(0)
    listing = run_cli(["desk", "tickets"], tmp_path, model_dir).stdout
    assert number in listing and "共 1 张工单" in listing
    problem = run_cli(["desk", "problem", "create", "--title", "光缆中断", "--regions", "广东省"],
                      tmp_path, model_dir).stdout
    problem_number = re.search(r"PR\d{12}", problem).group(0)
    assert "已关联问题" in run_cli(["desk", "problem", "link", problem_number, number], tmp_path, model_dir).stdout
    resolved = run_cli(["desk", "problem", "resolve", problem_number, "--note", "已熔接"], tmp_path, model_dir)
    assert "关联工单 1 张" in resolved.stdout
    history = run_cli(["desk", "show", number], tmp_path, model_dir).stdout
    assert "linked_problem" in history and "resolved" in history
    notice = run_cli(["desk", "notice", "create", "--title", "割接", "--text", "夜间割接", "--regions", "广州市",
                      "--starts", "2026-11-23T00:00:00+08:00", "--ends", "2026-11-24T06:00:00+08:00", "--publish"],
                     tmp_path, model_dir)
    assert "已排队通知 1 位联系人" in notice.stdout  # demo-bound, the one bound contact in 广州市
    assert "检查" in run_cli(["desk", "sla-job"], tmp_path, model_dir).stdout
    missing = run_cli(["desk", "show", "GD209901010001"], tmp_path, model_dir)
    assert missing.returncode == 1 and "not_found" in missing.stderr


async def test_terminal_chat_drops_control_characters_from_replies():
    lines, out = iter(["你好", "/exit"]), io.StringIO()

    async def echo(message):  # type: ignore[no-untyped-def]
        return [Reply("答案\x1b[2J\x07完毕", (Button("选\x1b]0;x\x07项", "/affirm"),))]

    await run_chat(echo, channel="app", sender="t", read=lambda: next(lines), out=out)
    assert out.getvalue() == "机器人> 答案[2J完毕\n1. 选]0;x项\n"
