"""Reading long posts: normalisation, clauses, secondary signals as Parse flags, small talk giving way to a request."""
from __future__ import annotations

import pytest

from nlu.clauses import MAX_CLAUSES, clauses
from nlu.signals import signals
from nlu.text.posts import normalise_post


def test_operator_handles_links_emoji_and_noise_go_other_handles_stay():
    post = "对@本市电信客服 说：宽带又断了！！！😡😡 详情见 http://t.cn/A6xYz12 #宽带维修# @城市晚报 [怒]"
    assert normalise_post(post) == "宽带又断了! 详情见 宽带维修 城市晚报"


def test_a_handle_glued_to_the_message_ends_at_the_helpdesk_suffix():
    assert normalise_post("@本市联通客服我家的网怎么又不行了？？？") == "我家的网怎么又不行了?"


def test_full_width_forms_and_repeated_punctuation_are_folded():
    assert normalise_post("ＷＩＦＩ连不上，，，怎么办？？！！。。。") == "WIFI连不上,怎么办?…"


def test_a_location_tail_added_by_the_app_is_dropped():
    assert normalise_post("营业厅排队两个小时没人管 我在这里:广州·天河城") == "营业厅排队两个小时没人管"


def test_clauses_split_on_sentence_ends_and_spaces_between_sentences():
    post = normalise_post("专线断了三天了！报修也没人来 你们的服务太差了。我要投诉")
    assert clauses(post) == ["专线断了三天了", "报修也没人来", "你们的服务太差了", "我要投诉"]


def test_a_greeting_before_a_comma_or_a_space_is_a_clause_of_its_own():
    assert clauses("您好 请问下月租怎么算") == ["您好", "请问下月租怎么算"]
    assert clauses("嗨，我们单位电话打不出去，急") == ["嗨", "我们单位电话打不出去，急"]


def test_short_pieces_join_the_clause_before_and_a_long_post_is_capped():
    assert clauses("好的。是。那就这样吧") == ["好的，是", "那就这样吧"]
    many = "。".join(f"第{i}句话说点什么" for i in range(20))
    assert len(clauses(many)) == MAX_CLAUSES and clauses(many)[-1].endswith("第19句话说点什么")


@pytest.mark.parametrize("text, expected", [
    ("你们的专线又断了，这个月第三次了，今天必须修好，不然我就去工信部告你们", {"complaint", "urgent", "repeat_failure"}),
    ("报修一个礼拜了还没人来，气死我了！", {"repeat_failure", "negative"}),
    ("麻烦帮忙查一下账单", set()),
    ("不急，有空再来修，我们没有要投诉的意思", set()),
])
def test_signals_read_the_customers_words_and_negation_cancels_them(text: str, expected: set[str]):
    assert set(signals(normalise_post(text))) == expected


def test_an_angry_repeated_fault_keeps_its_intent_and_carries_flags(interpreter):
    parse = interpreter.parse_sync("@本市电信客服 我们公司专线又断了！！这周第三次了，赶紧派人来修，再这样我要投诉了")
    assert parse.intent == "report_fault"
    assert {"complaint", "urgent", "repeat_failure", "negative"} <= set(parse.flags)
    assert parse.to_dict()["flags"] == list(parse.flags)


def test_a_calm_message_has_no_flags(interpreter):
    assert interpreter.parse_sync("查一下工单进度").flags == ()


def test_a_greeting_gives_way_to_the_request_in_the_same_message(interpreter):
    assert interpreter.parse_sync("您好您好。请问在吗。我们单位的专线断网了，麻烦安排人来看看").intent == "report_fault"


def test_a_greeting_and_a_comma_give_way_to_the_request(interpreter):
    assert interpreter.parse_sync("你好，厂里的专线从昨晚就连不上").intent == "report_fault"
