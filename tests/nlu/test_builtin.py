"""The built-in engine end to end: intents, entities, fallback, odd input, artefacts."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlu.builtin import BuiltinInterpreter
from nlu.training_data import NluDataError
from tests.nlu.conftest import FIXTURES, NOW


@pytest.mark.parametrize("text, intent", [
    ("你好 在吗", "greet"),
    ("我们的专线断了 赶紧修", "report_fault"),
    ("帮我查下工单进度", "query_ticket"),
    ("预约周五上午上门", "book_appointment"),
    ("非常满意", "rate_service"),
    ("给我讲个笑话吧", "out_of_scope"),
])
def test_intents_of_clear_messages(interpreter: BuiltinInterpreter, text: str, intent: str):
    parse = interpreter.parse_sync(text)
    assert parse.intent == intent and not parse.fallback


def test_ranking_covers_every_intent_sorted_and_sums_to_one(interpreter: BuiltinInterpreter):
    parse = interpreter.parse_sync("宽带上不了网")
    confidences = [s.confidence for s in parse.ranking]
    assert {s.name for s in parse.ranking} == set(interpreter.intents)
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0, abs=1e-4)
    assert parse.confidence == confidences[0]


def test_entities_are_normalised(interpreter: BuiltinInterpreter):
    text = "数据专线断了 电路 sz ipran 20231 工单gd 2026 1123 0001 客户kh44010001 电话138 0013 8000 明天下午三点来"
    parse = interpreter.parse_sync(text)
    assert parse.first("service_type") == "专线"
    assert parse.first("circuit_id") == "SZ-IPRAN-20231"
    assert parse.first("ticket_id") == "GD202611230001"
    assert parse.first("customer_code") == "KH44010001"
    assert parse.first("phone_number") == "13800138000"
    assert parse.first("datetime") == "2026-11-24T15:00:00+08:00"
    assert all(text[e.start:e.end] == e.text for e in parse.entities)


def test_lookup_synonyms_and_ascii_boundaries(interpreter: BuiltinInterpreter):
    assert interpreter.parse_sync("我们的ECS连不上").values("service_type") == ["云主机"]
    assert interpreter.parse_sync("广州的座机坏了").values("service_type") == ["固话"]
    assert interpreter.parse_sync("广州的座机坏了").values("region") == ["广州"]
    assert interpreter.parse_sync("VIDCX连不上").values("service_type") == []


def test_rating_values(interpreter: BuiltinInterpreter):
    assert interpreter.parse_sync("非常满意").first("rating") == "5"
    assert interpreter.parse_sync("服务很差").first("rating") == "1"


def test_now_can_be_injected_per_call(interpreter: BuiltinInterpreter):
    later = NOW.replace(day=30)
    assert interpreter.parse_sync("明天上午", now=later).first("datetime") == "2026-12-01T09:00:00+08:00"


@pytest.mark.parametrize("text", ["", "   ", "？？！！。。", "🙂🙂🙂", "\x00\x01\x07\x1b", "\u200b\ufeff"])
def test_contentless_input_is_out_of_scope_fallback(interpreter: BuiltinInterpreter, text: str):
    parse = interpreter.parse_sync(text)
    assert parse.intent == "out_of_scope" and parse.fallback and parse.confidence == 0.0


@pytest.mark.parametrize("text", ["专线" * 5000, "x" * 10000, "Привет مرحبا こんにちは 专线断了", "专\x00线\x07断了"])
def test_odd_input_still_gives_a_valid_parse(interpreter: BuiltinInterpreter, text: str):
    parse = interpreter.parse_sync(text)
    assert parse.intent in interpreter.intents
    assert 0.0 <= parse.confidence <= 1.0
    assert parse.to_dict()["text"] == text


def test_control_characters_do_not_shift_entity_offsets(interpreter: BuiltinInterpreter):
    text = "\x00\x01工单GD202611230001"
    entity = interpreter.parse_sync(text).entities[0]
    assert text[entity.start:entity.end] == "GD202611230001"


def test_fallback_follows_threshold_and_margin(interpreter: BuiltinInterpreter):
    strict = BuiltinInterpreter(interpreter.model, threshold=1.0, ambiguity_margin=0.0, timezone="Asia/Shanghai")
    lenient = BuiltinInterpreter(interpreter.model, threshold=0.0, ambiguity_margin=0.0, timezone="Asia/Shanghai")
    picky = BuiltinInterpreter(interpreter.model, threshold=0.0, ambiguity_margin=1.0, timezone="Asia/Shanghai")
    text = "网有点慢"
    assert strict.parse_sync(text).fallback
    assert not lenient.parse_sync(text).fallback
    assert picky.parse_sync(text).fallback
    assert strict.parse_sync(text).intent == lenient.parse_sync(text).intent


async def test_async_parse_equals_sync(interpreter: BuiltinInterpreter):
    assert (await interpreter.parse("查工单")).to_dict() == interpreter.parse_sync("查工单").to_dict()


def copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES, data)
    return data


def test_artefact_is_reused_and_retrained_when_data_changes(tmp_path: Path):
    data, models = copy_data(tmp_path), tmp_path / "models"
    kwargs = dict(threshold=0.45, ambiguity_margin=0.1, timezone="Asia/Shanghai")
    first = BuiltinInterpreter.load_or_train(data, models, **kwargs)
    [artefact] = list(models.glob("nlu-*.npz"))
    stamp = artefact.stat().st_mtime_ns
    second = BuiltinInterpreter.load_or_train(data, models, **kwargs)
    assert artefact.stat().st_mtime_ns == stamp
    assert second.parse_sync("专线断了").ranking == first.parse_sync("专线断了").ranking
    with (data / "nlu.yml").open("a", encoding="utf-8") as out:
        out.write("- intent: thank\n  examples: |\n    - 谢谢\n    - 多谢了\n")
    third = BuiltinInterpreter.load_or_train(data, models, **kwargs)
    assert "thank" in third.intents
    assert [p.name for p in models.glob("nlu-*.npz")] != [artefact.name]
    assert len(list(models.glob("nlu-*.npz"))) == 1


def test_training_is_deterministic(tmp_path: Path):
    kwargs = dict(threshold=0.45, ambiguity_margin=0.1, timezone="Asia/Shanghai")
    one = BuiltinInterpreter.load_or_train(FIXTURES, tmp_path / "a", **kwargs)
    two = BuiltinInterpreter.load_or_train(FIXTURES, tmp_path / "b", **kwargs)
    assert (tmp_path / "a").iterdir().__next__().read_bytes() == (tmp_path / "b").iterdir().__next__().read_bytes()
    assert one.parse_sync("网有点慢").ranking == two.parse_sync("网有点慢").ranking


def test_malformed_training_data_fails_with_location(tmp_path: Path):
    data = copy_data(tmp_path)
    (data / "broken.yml").write_text("nlu:\n- intent: greet\n  examples: |\n    - 你好\n    坏行\n", encoding="utf-8")
    with pytest.raises(NluDataError, match=r"broken\.yml:5: example line must start with '- '"):
        BuiltinInterpreter.load_or_train(data, tmp_path / "models", threshold=0.45, ambiguity_margin=0.1,
                                         timezone="Asia/Shanghai")


def test_learned_tagger_finds_an_unseen_address(interpreter: BuiltinInterpreter):
    text = "地址是惠州市惠城区江北文昌一路9号"
    parse = interpreter.parse_sync(text)
    assert parse.first("address") == "惠州市惠城区江北文昌一路9号"
    assert [e.extractor for e in parse.entities if e.entity == "address"] == ["tagger"]


def test_spoken_digits_become_a_phone_number(interpreter: BuiltinInterpreter):
    assert interpreter.parse_sync("电话幺三八 零零幺三 八零零零").first("phone_number") == "13800138000"
