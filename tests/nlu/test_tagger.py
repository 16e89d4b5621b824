"""The averaged-perceptron span tagger on its own."""
from __future__ import annotations

from nlu.entities import learned_entities
from nlu.tagger import SpanTagger
from nlu.training_data import Example, TrainingData, parse_markup

TRAIN = ["寄到[上海市浦东新区世纪大道100号](address)", "[北京市海淀区中关村大街1号](address)", "你好",
         "地址[杭州市西湖区文三路90号](address)吧", "没有地址", "[南京市鼓楼区中山路18号](address)",
         "谢谢", "送到[成都市武侯区天府大道北段8号](address)"]


def examples() -> list[tuple[str, tuple]]:
    return [parse_markup(t) for t in TRAIN]


def test_tags_an_unseen_address_and_nothing_in_chatter():
    tagger = SpanTagger.train(examples(), {"address"}, seed=7, epochs=10)
    [found] = tagger.tag("寄到武汉市洪山区珞喻路129号")
    assert (found.entity, found.value, found.start) == ("address", "武汉市洪山区珞喻路129号", 2)
    assert tagger.tag("你好 谢谢") == []


def test_same_seed_same_weights_and_round_trip():
    one = SpanTagger.train(examples(), {"address"}, seed=3)
    two = SpanTagger.train(examples(), {"address"}, seed=3)
    assert one.weights == two.weights
    assert SpanTagger(**one.to_dict()).tag("寄到武汉市洪山区珞喻路129号") == one.tag("寄到武汉市洪山区珞喻路129号")


def test_only_rule_less_entities_are_learned():
    text, entities = parse_markup("[GD202611230001](ticket_id) [满意](rating:4) [广州](region) [天河路1号](address) "
                                  "[明天](datetime)")
    data = TrainingData([Example(text, "x", entities)],
                        regexes={"ticket_id": [r"GD\d{12}"]}, lookups={"region": ["广州"]})
    assert learned_entities(data) == {"address"}


def test_the_one_pass_check_finds_the_same_spans_as_the_walk_over_every_character():
    tagger = SpanTagger.train(examples(), {"address"}, seed=7, epochs=10)

    class Walk(SpanTagger):
        def _first_tagged(self, padded: str, kinds: str, length: int) -> int:
            return 0  # the greedy walk from the first character, as before the one-pass check

    walk = Walk(tagger.labels, tagger.weights)
    texts = ["寄到武汉市洪山区珞喻路129号", "你好 谢谢", "专线断了，麻烦到深圳市南山区科技园南路3号看看", "", "没有地址 ok"]
    assert [tagger.tag(t) for t in texts] == [walk.tag(t) for t in texts]
    assert tagger.tag(texts[2])  # a span after chatter is still found
