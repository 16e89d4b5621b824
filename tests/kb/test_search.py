"""Search: filters by status, tier, services and region; decisions at thresholds; bad queries."""
from __future__ import annotations

import pytest

from backend_client.kb import Decision, Thresholds
from servicedesk.kb import Scope, SearchIndex

LOOSE = Thresholds(answer=0.99, suggest=0.0)


@pytest.fixture
def index(make_article, tokenizer) -> SearchIndex:
    return SearchIndex([
        make_article("line-fault", title="专线中断自查", questions=("专线断了怎么办", "专线不通"),
                     service_types=("专线",), body="检查光猫 LOS 灯"),
        make_article("line-fault-draft", title="专线中断自查草稿", questions=("专线断了怎么办",), status="draft"),
        make_article("line-fault-old", title="专线中断旧版", questions=("专线断了怎么办",), status="retired"),
        make_article("vip-line", title="行业客户专线重保", questions=("专线重保怎么申请",), tiers=("industry",)),
        make_article("gd-hall", title="广东专线营业厅", questions=("专线在哪办理",), regions=("广东",)),
        make_article("invoice", title="如何开具电子发票", questions=("发票怎么开", "电子发票下载"), body="账单与发票"),
    ], tokenizer=tokenizer)


def keys(index: SearchIndex, query: str, scope: Scope | None = None) -> list[str]:
    return index.search(query, LOOSE, scope, limit=10).keys


def test_only_published_articles_are_found(index):
    found = keys(index, "专线断了怎么办")
    assert "line-fault" in found
    assert "line-fault-draft" not in found and "line-fault-old" not in found


def test_tier_restricted_articles_need_that_tier(index):
    assert "vip-line" not in keys(index, "专线重保", Scope())
    assert "vip-line" not in keys(index, "专线重保", Scope(tier="cluster"))
    assert keys(index, "专线重保", Scope(tier="industry"))[0] == "vip-line"


def test_service_filter_hides_articles_for_other_services(index):
    assert "line-fault" not in keys(index, "专线断了", Scope(services=("宽带",)))
    assert "line-fault" in keys(index, "专线断了", Scope(services=("宽带", "专线")))
    assert "invoice" in keys(index, "发票怎么开", Scope(services=("宽带",)))  # no service types: for everyone


def test_region_filter_is_hierarchical(index):
    assert "gd-hall" in keys(index, "专线在哪办理", Scope(region="广东/深圳"))
    assert "gd-hall" in keys(index, "专线在哪办理", Scope(region="广东"))
    assert "gd-hall" not in keys(index, "专线在哪办理", Scope(region="广西/南宁"))
    assert "gd-hall" not in keys(index, "专线在哪办理", Scope(region="广东省"))


def test_scores_are_probabilities_and_hits_are_limited(index):
    result = index.search("专线断了", LOOSE, limit=2)
    assert 1 <= len(result.hits) <= 2
    assert all(0.0 <= h.score <= 1.0 for h in result.hits)
    assert result.score == result.hits[0].score


@pytest.mark.parametrize("answer, suggest, expected", [
    (0.0, 0.0, Decision.ANSWER),
    (1.0, 0.0, Decision.SUGGEST),
    (1.0, 1.0, Decision.ABSTAIN),
])
def test_decision_follows_the_callers_thresholds(index, answer, suggest, expected):
    result = index.search("发票怎么开", Thresholds(answer=answer, suggest=suggest))
    assert result.hits and result.decision is expected


def test_threshold_boundaries():
    t = Thresholds(answer=0.7, suggest=0.4)
    assert t.decide(0.7) is Decision.ANSWER
    assert t.decide(0.6999) is Decision.SUGGEST
    assert t.decide(0.4) is Decision.SUGGEST
    assert t.decide(0.3999) is Decision.ABSTAIN


@pytest.mark.parametrize("answer, suggest", [(0.3, 0.5), (1.2, 0.5), (0.5, -0.1)])
def test_inconsistent_thresholds_are_rejected(answer, suggest):
    with pytest.raises(ValueError):
        Thresholds(answer=answer, suggest=suggest)


@pytest.mark.parametrize("query", [
    "", "   ", "！？。，、…", "???!!!", None, 12345, "<script>alert('专线')</script>",
    "<img src=x onerror=alert(1)>", "你好", "的了吗", "\x00\x01\u200b",
])
def test_bad_queries_abstain_without_hits(index, query):
    result = index.search(query, Thresholds(answer=0.0, suggest=0.0))
    assert result.hits == () and result.decision is Decision.ABSTAIN


def test_huge_query_is_cut_and_still_answers(index):
    result = index.search("发票怎么开" + "啊" * 1_000_000, LOOSE)
    assert len(result.query) <= index.max_query_chars
    assert result.keys[0] == "invoice"


def test_markup_around_a_real_question_is_ignored(index):
    result = index.search("<b>发票</b>怎么开<script>专线断了</script>", LOOSE)
    assert result.keys[0] == "invoice"
    assert "<" not in result.query


def test_empty_index_abstains(tokenizer):
    result = SearchIndex([], tokenizer=tokenizer).search("发票怎么开", LOOSE)
    assert result.hits == () and result.decision is Decision.ABSTAIN
