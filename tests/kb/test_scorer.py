"""The calibrated score: more matching words never lower it, one weak word is not a match, the margin means
something when one article matches, customers' spellings reach the right article."""
from __future__ import annotations

import pytest

from backend_client.kb import Decision, Thresholds
from servicedesk.kb import Scope, SearchIndex, Signals, Weights
from servicedesk.kb.calibrate import Sample, fit

CONFIGURED = Thresholds(answer=0.72, suggest=0.58)
EVERYTHING = 100


def score_of(index: SearchIndex, query: str, key: str) -> float:
    """The article's calibrated score for ``query`` (0 when it does not match at all)."""
    hits = index.search(query, CONFIGURED, limit=EVERYTHING).hits
    return next((h.score for h in hits if h.article.key == key), 0.0)


def content_words(index: SearchIndex, text: str) -> list[str]:
    return list(dict.fromkeys(index.tokenizer.tokens(text)))


@pytest.mark.parametrize("key", ["ont-los-red", "invoice-vat-special", "idc-visit-registration", "contract-renewal",
                                 "cloud-host-security-group", "temporary-suspension"])
def test_adding_a_word_the_article_matches_never_lowers_its_score(shipped_index, shipped, key):
    article = next(a for a in shipped if a.key == key)
    for question in (article.title, *article.questions):
        words = content_words(shipped_index, question)
        scores = [score_of(shipped_index, " ".join(words[:n]), key) for n in range(1, len(words) + 1)]
        assert all(b >= a - 1e-9 for a, b in zip(scores, scores[1:])), (question, words, scores)


def test_calibration_keeps_every_signal_a_reason_to_answer():
    """Even on data where a signal looks harmful, its fitted weight stays >= 0 (so the score stays monotone)."""
    misleading = [Sample(Signals(0.9, 0.9, 0.5, 0.5), False)] * 20 + [Sample(Signals(0.9, 0.1, 0.5, 0.5), True)] * 20
    weights = fit([*misleading, Sample(Signals(0.1, 0.1, 0.1, 0.0), False)] * 3)
    assert min(weights.calib_coverage, weights.calib_ngram, weights.calib_evidence, weights.calib_margin) >= 0.0
    stronger = Signals(0.9, 0.9, 0.6, 0.5)
    assert weights.score(stronger) >= weights.score(Signals(0.9, 0.1, 0.5, 0.5))


@pytest.mark.parametrize("weak, full, key", [
    ("红灯停绿灯行，过马路要小心", "光猫上LOS红灯一直闪，网络断了", "ont-los-red"),
    ("今天中午食堂吃什么", "400客服中午有没有人接电话", "hotline-service-hours"),
    ("小区停车费怎么交", "对公转账交费要备注什么", "bill-payment-methods"),
])
def test_one_weak_word_scores_below_a_real_match_and_is_not_answered(shipped_index, weak, full, key):
    assert score_of(shipped_index, weak, key) < score_of(shipped_index, full, key)
    assert shipped_index.search(weak, CONFIGURED).decision is not Decision.ANSWER
    assert shipped_index.search(full, CONFIGURED).keys[0] == key


@pytest.fixture
def lonely(make_article, tokenizer) -> SearchIndex:
    """Articles that share no words, so most queries match exactly one of them."""
    return SearchIndex([
        make_article("ont-los", title="光猫LOS灯红色闪烁怎么办", questions=("光猫红灯一直闪", "LOS灯亮红色断网了"),
                     body="检查尾纤是否弯折，光纤接头是否松动。"),
        make_article("invoice", title="如何开具电子发票", questions=("发票怎么开", "电子发票在哪下载"), body="账单与发票页面申请"),
        make_article("idc-visit", title="IDC机房进出报备", questions=("去机房要报备吗", "机房门禁怎么申请"), body="提前一天登记"),
    ], tokenizer=tokenizer)


def test_the_margin_of_a_lone_match_is_its_strength_not_one(lonely):
    weak = lonely.search("光猫", CONFIGURED)
    full = lonely.search("光猫LOS灯红色一直闪是不是断网了", CONFIGURED)
    assert weak.keys == full.keys == ["ont-los"]  # the only article that matches either query
    assert weak.hits[0].margin < full.hits[0].margin < 1.0
    assert weak.score < full.score


def test_two_equally_good_articles_leave_no_margin(make_article, tokenizer):
    twins = SearchIndex([
        make_article("invoice-a", title="如何开具电子发票", questions=("发票怎么开",)),
        make_article("invoice-b", title="如何开具电子发票", questions=("发票怎么开",)),
    ], tokenizer=tokenizer)
    result = twins.search("电子发票怎么开", CONFIGURED)
    assert result.hits[0].margin == 0.0 and len(result.hits) == 2


@pytest.mark.parametrize("customer_spelling, article_spelling", [
    ("帐单", "账单"), ("宽代", "宽带"), ("续签", "续约"), ("数据中心", "机房"), ("对接人", "联系人"), ("登陆", "登录"),
])
def test_typos_and_colloquial_words_read_as_the_articles_word(tokenizer, customer_spelling, article_spelling):
    assert max(tokenizer.tokens(article_spelling), key=len) in tokenizer.tokens(customer_spelling)


@pytest.mark.parametrize("question, key", [
    ("帐单明细怎么查", "bill-query"),
    ("宽代拨号密码忘了咋办", "broadband-password-reset"),
    ("合同快到期了想续签", "contract-renewal"),
    ("去数据中心干活要先登记吗", "idc-visit-registration"),
    ("我们单位的对接人离职了要换人", "change-contact"),
])
def test_customers_spellings_reach_the_right_article(shipped_index, question, key):
    assert shipped_index.search(question, CONFIGURED, Scope(tier="industry")).keys[0] == key


def test_weights_score_is_a_probability_that_grows_with_each_signal():
    weights = Weights()
    base = Signals(0.3, 0.3, 0.3, 0.1)
    assert 0.0 < weights.score(base) < 1.0
    for grown in (Signals(0.6, 0.3, 0.3, 0.1), Signals(0.3, 0.6, 0.3, 0.1), Signals(0.3, 0.3, 0.6, 0.1),
                  Signals(0.3, 0.3, 0.3, 0.4)):
        assert weights.score(grown) >= weights.score(base)
