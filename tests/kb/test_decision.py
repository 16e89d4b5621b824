"""The answer decision: the top article is answered only when it leads its runner-up's calibrated score; nearly tied
articles, or a runner-up that scores above the top, are offered as suggestions."""
from __future__ import annotations

import math

import pytest

from backend_client.kb import Decision, Thresholds
from servicedesk.kb import Scope, SearchIndex
from servicedesk.kb.index import TIE_MARGIN, decide, log_odds

CONFIGURED = Thresholds(answer=0.72, suggest=0.58)


@pytest.mark.parametrize("scores, decision", [
    ((0.90, 0.30), Decision.ANSWER),
    ((0.90,), Decision.ANSWER),
    ((0.74, 0.73, 0.74), Decision.SUGGEST),  # three articles nearly tied: let the customer choose
    ((0.53, 0.93), Decision.SUGGEST),  # the runner-up is the stronger match: never answer the weaker one
    ((0.80, 0.79), Decision.SUGGEST),
    ((0.96, 0.94), Decision.ANSWER),  # near certainty, the same gap is a real lead
    ((0.65, 0.20), Decision.SUGGEST),
    ((0.40, 0.30), Decision.ABSTAIN),
    ((), Decision.ABSTAIN),
])
def test_the_decision_weighs_the_top_hit_against_its_runner_up(scores, decision):
    assert decide(scores, CONFIGURED) is decision


def test_a_clear_leader_is_answered_once_its_rival_falls_behind():
    behind = 1 / (1 + math.exp(TIE_MARGIN - log_odds(0.85)))  # the score exactly TIE_MARGIN log-odds below 0.85
    close = decide([0.85, behind + 0.005], CONFIGURED)
    clear = decide([0.85, behind - 0.005], CONFIGURED)
    assert (close, clear) == (Decision.SUGGEST, Decision.ANSWER)


def test_a_vague_question_on_broadband_speed_is_offered_the_speed_articles(shipped_index):
    result = shipped_index.search("我们宽带速度", CONFIGURED, Scope(tier="industry"))
    assert result.decision is Decision.SUGGEST
    assert len({h.article.key for h in result.hits if "bandwidth" in h.article.key}) >= 2


def test_every_hit_gets_its_own_margin_so_scores_compare(make_article, tokenizer):
    index = SearchIndex([
        make_article("speed-test", title="网速测试方法", questions=("下载很慢怎么测网速",), body="用测速网站测试带宽"),
        make_article("bandwidth", title="带宽与网速的区别", questions=("带宽是什么意思", "线路速率上限是多少"), body="带宽是线路速率上限"),
    ], tokenizer=tokenizer)
    result = index.search("下载东西特别慢，是不是线路速率上限太低", CONFIGURED)
    assert sorted(result.keys) == ["bandwidth", "speed-test"]
    assert min(h.margin for h in result.hits) > 0.0  # each holds words the other lacks, the runner-up too


def test_an_answer_always_leads_every_other_hit(shipped_index):
    questions = ["光猫红灯一直在闪网断了", "发票开错了能重开吗", "合同到期续约要带什么材料", "专线带宽想从100兆升到200兆",
                 "宽带速度", "机房进出要登记吗", "下载慢是不是带宽不够"]
    answered = 0
    for question in questions:
        result = shipped_index.search(question, CONFIGURED, Scope(tier="industry"))
        if result.decision is Decision.ANSWER:
            answered += 1
            assert all(log_odds(result.score) - log_odds(h.score) >= TIE_MARGIN for h in result.hits[1:]), question
    assert answered >= 3
