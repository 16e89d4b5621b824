"""Gap review: the unanswered questions go out as a file, come back reviewed, and become article questions or drafts."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from backend_client import Actor, Role
from backend_client.kb import Article, Decision
from servicedesk.kb import KbFormatError
from servicedesk.kb.gap_review import apply_review, dump_review, load_review, review_rows
from tests.backend.helpers import customer
from tests.bot.test_cli import run_cli

ADMIN = Actor(Role.ADMIN, "kb-editor", "cli")
LOS = Article(key="ont-los", title="光猫LOS灯红色闪烁怎么办", short_answer="LOS红灯表示光信号中断，请检查尾纤。",
              body="检查尾纤是否弯折。", questions=("光猫红灯闪", "LOS灯亮红色"), status="published")
ASKED = ("楼下那个盒子亮红灯了网上不去", "楼下那个盒子亮红灯了网上不去", "机房空调坏了找谁修", "机房空调坏了找谁修啊")


def fill(rows: list[dict], decisions: dict[str, tuple[str, str]]) -> list[dict]:
    """What the reviewer does: the article column (and a title for new drafts) for the rows they decided."""
    for row in rows:
        for fragment, (article, title) in decisions.items():
            if fragment in row["query"]:
                row["article"], row["title"] = article, title
    return rows


@pytest.mark.parametrize("suffix", [".csv", ".yml"])
async def test_reviewed_gaps_become_questions_of_an_article_and_new_drafts(desk, tmp_path, suffix):
    await desk.import_articles([LOS], ADMIN)
    for text in ASKED:
        assert (await desk.search_kb(text, customer("u1"))).decision is Decision.ABSTAIN
    gaps = await desk.kb_gaps(ADMIN)
    assert {g.query for g in gaps} == {"楼下那个盒子亮红灯了网上不去", "机房空调坏了找谁修"}

    path = tmp_path / f"review{suffix}"
    rows = fill(review_rows(gaps, {}), {"红灯": ("ont-los", ""), "空调": ("new", "机房空调故障报修")})
    path.write_text(dump_review(rows, path), encoding="utf-8")
    current = {a.key: a for a in await desk.export_articles(ADMIN)}
    changed = apply_review(path, load_review(path), current, ADMIN.id)
    report = await desk.import_articles(changed, ADMIN)
    assert (report.added, report.updated) == (1, 1)

    versions = await desk.article_versions("ont-los", ADMIN)
    assert len(versions) == 2 and "楼下那个盒子亮红灯了网上不去" in versions[-1].article.questions
    assert versions[-1].article.status == "published"
    draft = next(a for a in await desk.export_articles(ADMIN, "draft") if a.title == "机房空调故障报修")
    assert {"机房空调坏了找谁修", "机房空调坏了找谁修啊"} <= set(draft.questions)
    assert (await desk.search_kb("楼下那个盒子亮红灯了网上不去", customer("u2"))).keys[0] == "ont-los"
    assert draft.key not in (await desk.search_kb("机房空调坏了找谁修", customer("u2"))).keys  # drafts stay hidden


def test_importing_the_same_review_twice_changes_nothing_more(tmp_path):
    path = tmp_path / "review.csv"
    path.write_text("article,query,examples\nont-los,猫上红灯狂闪,红灯一直闪 | 猫亮红灯\n,没人管的问题,\n", encoding="utf-8")
    once = apply_review(path, load_review(path), {"ont-los": LOS}, "editor")
    assert [a.questions for a in once] == [(*LOS.questions, "猫上红灯狂闪", "红灯一直闪", "猫亮红灯")]
    assert apply_review(path, load_review(path), {"ont-los": once[0]}, "editor") == []


@pytest.mark.parametrize("text, line, words", [
    ("article,query\nont-los,光猫红灯\nno-such-article,发票\n", 3, "unknown article 'no-such-article'"),
    ("article,query\nont-los-old,光猫红灯\n", 2, "retired article"),
    ("article,query\nnew,\n", 2, "query is empty"),
    ("article,title\nnew,x\n", 1, "missing column"),
])
def test_a_bad_review_row_names_its_line(tmp_path, text, line, words):
    path = tmp_path / "review.csv"
    path.write_text(text, encoding="utf-8")
    retired = Article(key="ont-los-old", title="旧文章", short_answer="旧", body="旧", status="retired")
    with pytest.raises(KbFormatError, match=f"review.csv:{line}: .*{words}"):
        apply_review(path, load_review(path), {"ont-los": LOS, "ont-los-old": retired}, "editor")


def test_a_yaml_review_that_is_not_a_list_of_rows_is_refused(tmp_path):
    path = tmp_path / "review.yml"
    path.write_text("article: ont-los\nquery: 光猫红灯\n", encoding="utf-8")
    with pytest.raises(KbFormatError, match="review.yml:1"):
        load_review(path)


def test_the_cli_exports_the_gaps_and_applies_the_reviewed_file(tmp_path: Path, model_dir):
    for text in ("机房空调坏了找谁修", "单位的电子票据从哪儿能拿到啊"):
        run_cli(["kb", "search", text], tmp_path, model_dir)
    exported = run_cli(["kb", "gaps", "--export", "review.csv"], tmp_path, model_dir)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader((tmp_path / "review.csv").open(encoding="utf-8")))
    assert {r["query"] for r in rows} >= {"机房空调坏了找谁修"} and all(r["article"] == "" for r in rows)
    decided = fill(rows, {"空调": ("new", "机房空调故障报修"), "票据": ("invoice-electronic", "")})
    (tmp_path / "review.csv").write_text(dump_review(decided, tmp_path / "review.csv"), encoding="utf-8")

    applied = run_cli(["kb", "gaps", "--import", "review.csv"], tmp_path, model_dir)
    assert applied.returncode == 0 and "新建草稿 1 篇" in applied.stdout, applied.stderr
    articles = run_cli(["kb", "export", "--format", "csv"], tmp_path, model_dir).stdout
    assert "机房空调故障报修" in articles
    bad = run_cli(["kb", "gaps", "--import", "missing.csv"], tmp_path, model_dir)
    assert bad.returncode == 2 and "missing.csv" in bad.stderr and "Traceback" not in bad.stderr
