"""`frontdoor kb` as an operator runs it: import, bad files, search, export, gaps, review, on a local or remote desk."""
from __future__ import annotations

import asyncio

from bot.app import create_app
from tests.api.conftest import TOKENS, token_env
from tests.bot.test_cli import run_cli

GOOD = """- key: parking-visitors
  title: 营业厅访客停车怎么办理
  questions: [营业厅能停车吗]
  short_answer: 营业厅访客可凭办理业务小票免费停车2小时。
  body: 到前台出示小票即可。
  status: published
"""


def test_import_search_export_and_reimport_without_duplicates(tmp_path, model_dir):
    (tmp_path / "kb.yml").write_text(GOOD, encoding="utf-8")
    first = run_cli(["kb", "import", "kb.yml"], tmp_path, model_dir, seed=False)
    assert first.returncode == 0 and "新增 1" in first.stdout, first.stderr
    assert "未变 1" in run_cli(["kb", "import", "kb.yml"], tmp_path, model_dir, seed=False).stdout
    (tmp_path / "kb.yml").write_text(GOOD.replace("免费停车2小时", "免费停车3小时"), encoding="utf-8")
    assert "更新 1" in run_cli(["kb", "import", "kb.yml"], tmp_path, model_dir, seed=False).stdout
    history = run_cli(["kb", "history", "parking-visitors"], tmp_path, model_dir, seed=False).stdout.splitlines()
    assert [line.split()[0] for line in history] == ["v1", "v2"] and "3小时" in history[1] and "cli" in history[1]
    found = run_cli(["kb", "search", "营业厅访客停车"], tmp_path, model_dir, seed=False).stdout
    assert "parking-visitors" in found.splitlines()[1]
    exported = run_cli(["kb", "export", "--format", "csv"], tmp_path, model_dir, seed=False).stdout
    assert exported.count("parking-visitors") == 1


def test_a_malformed_file_names_file_and_line_and_imports_nothing(tmp_path, model_dir):
    (tmp_path / "a.yml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yml").write_text("- key: broken\n  title: 缺少答案\n  body: x\n", encoding="utf-8")
    result = run_cli(["kb", "import", "."], tmp_path, model_dir, seed=False)
    assert result.returncode == 2
    assert "b.yml:1" in result.stderr and "short_answer" in result.stderr
    assert "parking-visitors" not in run_cli(["kb", "export"], tmp_path, model_dir, seed=False).stdout


def test_unanswerable_questions_show_up_in_gaps(tmp_path, model_dir):
    for _ in range(2):
        assert "abstain" in run_cli(["kb", "search", "食堂今天吃什么菜"], tmp_path, model_dir).stdout
    gaps = run_cli(["kb", "gaps"], tmp_path, model_dir).stdout
    assert gaps.split()[:2] == ["2", "食堂今天吃什么菜"]


async def test_the_commands_work_on_a_remote_desk_through_its_api(tmp_path, model_dir, aiohttp_server, app_config):
    desk = await aiohttp_server(create_app(app_config(**token_env())))
    remote = {"FRONTDOOR_SERVICEDESK__BACKEND": "http", "FRONTDOOR_SERVICEDESK__URL": str(desk.make_url("/")),
              "FRONTDOOR_SERVICEDESK__TOKEN": TOKENS["admin"]}

    async def cli(*args: str):
        return await asyncio.to_thread(run_cli, list(args), tmp_path, model_dir, seed=False, env=remote)

    (tmp_path / "kb.yml").write_text(GOOD.replace("status: published", "status: draft"), encoding="utf-8")
    imported = await cli("kb", "import", "kb.yml")
    assert imported.returncode == 0 and "新增 1" in imported.stdout, imported.stderr
    assert "parking-visitors" not in (await cli("kb", "search", "营业厅访客停车")).stdout
    assert "已发布" in (await cli("kb", "publish", "parking-visitors")).stdout
    assert "parking-visitors" in (await cli("kb", "search", "营业厅访客停车")).stdout.splitlines()[1]
    missing = await cli("kb", "publish", "no-such-article")
    assert missing.returncode == 1 and "not_found" in missing.stderr


def test_review_lists_published_articles_whose_review_date_has_come(tmp_path, model_dir):
    due = GOOD + "  review_date: 2020-01-31\n  owner: 知识管理员王工\n"
    later = GOOD.replace("parking-visitors", "parking-later") + "  review_date: 2999-01-01\n"
    undated = GOOD.replace("parking-visitors", "parking-undated")
    (tmp_path / "kb.yml").write_text(due + later + undated, encoding="utf-8")
    assert run_cli(["kb", "import", "kb.yml"], tmp_path, model_dir, seed=False).returncode == 0
    listed = run_cli(["kb", "review", "--days", "30"], tmp_path, model_dir, seed=False).stdout.splitlines()
    assert listed[0].split()[:3] == ["2020-01-31", "parking-visitors", "知识管理员王工"]
    assert "parking-later" not in "\n".join(listed) and listed[-1].startswith("共 1 篇") and "1 篇未设" in listed[-1]


def test_an_import_with_retire_missing_retires_articles_gone_from_the_folder(tmp_path, model_dir):
    other = GOOD.replace("parking-visitors", "parking-night").replace("营业厅访客停车", "夜间停车")
    (tmp_path / "kb.yml").write_text(GOOD + other, encoding="utf-8")
    assert "新增 2" in run_cli(["kb", "import", "kb.yml"], tmp_path, model_dir, seed=False).stdout
    (tmp_path / "kb.yml").write_text(GOOD, encoding="utf-8")
    synced = run_cli(["kb", "import", "kb.yml", "--retire-missing"], tmp_path, model_dir, seed=False)
    assert "未变 1，退役 1" in synced.stdout, synced.stderr
    retired = run_cli(["kb", "export", "--status", "retired"], tmp_path, model_dir, seed=False).stdout
    assert "parking-night" in retired and "parking-visitors" not in retired


def test_article_text_cannot_drive_the_operators_terminal(tmp_path, model_dir):
    hostile = GOOD.replace("title: 营业厅访客停车怎么办理", 'title: "营业厅访客停车\\e[2J\\e]0;pwned\\a怎么办理"')
    (tmp_path / "kb.yml").write_text(hostile, encoding="utf-8")
    assert run_cli(["kb", "import", "kb.yml"], tmp_path, model_dir, seed=False).returncode == 0
    found = run_cli(["kb", "search", "营业厅访客停车"], tmp_path, model_dir, seed=False).stdout
    assert "营业厅访客停车[2J]0;pwned怎么办理" in found and "\x1b" not in found and "\a" not in found
