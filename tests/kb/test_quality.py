"""The shipped knowledge base: valid articles, and a handful of customer questions found where expected."""
from __future__ import annotations

from pathlib import Path

import pytest

from backend_client.kb import Decision, Thresholds
from servicedesk.kb import Scope
from backend_client.kb.article import SERVICE_TYPES
from servicedesk.kb.evaluate import EvalCase, evaluate, load_cases
from nlu.text.retrieval import compact, normalise

THRESHOLDS = Thresholds(answer=0.72, suggest=0.58)
DEV_SET = Path(__file__).resolve().parents[2] / "bench" / "data" / "kb_dev.tsv"


def test_starter_kb_is_large_and_well_formed(shipped):
    published = [a for a in shipped if a.searchable]
    assert len(published) >= 60
    assert {a.status for a in shipped} == {"published", "draft", "retired"}
    for article in shipped:
        assert 4 <= len(article.questions) <= 8, article.key
        assert article.voice_answer and article.owner and article.review_date, article.key
        assert set(article.service_types) <= set(SERVICE_TYPES), article.key


def test_no_question_is_listed_under_two_articles(shipped):
    owners: dict[str, set[str]] = {}
    for article in shipped:
        for question in article.questions:
            owners.setdefault(compact(normalise(question)), set()).add(article.key)
    assert {q: keys for q, keys in owners.items() if len(keys) > 1} == {}


def test_dev_set_is_valid_and_not_copied_into_the_articles(shipped):
    """Tuning figures on bench/data/kb_dev.tsv mean nothing once its questions become article questions."""
    cases = load_cases(DEV_SET)
    published = {a.key for a in shipped if a.searchable}
    listed = {compact(normalise(t)) for a in shipped for t in (a.title, *a.questions)}
    assert len([c for c in cases if c.expected]) >= 150
    assert {c.expected for c in cases if c.expected} <= published
    assert [c.question for c in cases if compact(normalise(c.question)) in listed] == []


@pytest.mark.parametrize("question, key", [
    ("猫上的红灯一直闪，网断了", "ont-los-red"),
    ("怎么给我们单位开电子发票", "invoice-electronic"),
    ("云服务器远程桌面登不上去", "cloud-host-remote-login"),
    ("工单处理到哪一步了", "ticket-tracking"),
    ("交完欠费多久能恢复", "resume-after-payment"),
    ("下周去IDC机房需要报备吗", "idc-visit-registration"),
    ("物联网卡IMEI绑定了要怎么解开", "iot-card-binding"),
    ("400客服晚上有人接吗", "hotline-service-hours"),
])
def test_fixed_questions_rank_their_article_first(shipped_index, question, key):
    assert shipped_index.search(question, THRESHOLDS, Scope(tier="industry")).keys[0] == key


@pytest.mark.parametrize("question, key", [
    ("光猫LOS灯红了怎么处理", "ont-los-red"),
    ("增值税专用发票要交哪些资料", "invoice-vat-special"),
])
def test_clear_questions_are_answered(shipped_index, question, key):
    result = shipped_index.search(question, THRESHOLDS)
    assert result.decision is Decision.ANSWER and result.keys[0] == key


@pytest.mark.parametrize("question", ["明天天气怎么样", "帮我订一张去北京的机票", "讲个笑话吧"])
def test_unrelated_questions_abstain(shipped_index, question):
    assert shipped_index.search(question, THRESHOLDS).decision is Decision.ABSTAIN


def test_evaluate_counts_hits_and_out_of_scope(shipped_index):
    cases = [EvalCase("光猫红灯一直闪", "ont-los-red"), EvalCase("天气怎么样", ""), EvalCase("你好", "")]
    report = evaluate(shipped_index, cases, THRESHOLDS)
    assert (report.in_scope, report.out_of_scope) == (1, 2)
    assert report.hit1 == 1.0 and report.mrr == 1.0
    assert report.oos_abstain == 1.0
    assert len(report.lines()) >= 8


def test_eval_file_loader_reports_bad_lines(tmp_path):
    path = tmp_path / "eval.tsv"
    path.write_text("# comment\n发票\tinvoice-electronic\n天气\n\tinvoice-electronic\n", encoding="utf-8")
    with pytest.raises(ValueError, match="eval.tsv:4"):
        load_cases(path)
    path.write_text("# comment\n发票\tinvoice-electronic\n天气\n", encoding="utf-8")
    assert [(c.question, c.expected) for c in load_cases(path)] == [("发票", "invoice-electronic"), ("天气", "")]
