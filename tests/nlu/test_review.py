"""The NLU review loop: misread turns found in saved conversations, exported, labelled, merged back and retrained."""
from __future__ import annotations

import csv
import json
import shutil
import uuid
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.cli import main
from bot.redis_store import RedisConversationStore
from nlu.review import ReviewItem, merge_into, read_labels, review_items, write_csv
from nlu.training_data import Example, NluDataError, TrainingData, load_path, load_yaml
from tests.nlu.conftest import FIXTURES
from tests.support import require_redis

REDIS_URL = "redis://127.0.0.1:6379/15"


def turn(user: str, intent: str, confidence: float, templates: list[str], reply: str = "好的") -> dict:
    return {"at": "2026-11-23T02:00:00+00:00", "user": user, "intent": intent, "confidence": confidence,
            "replies": [reply], "templates": templates}


def conversation(conversation_id: str = "app:u1") -> dict:
    """A customer the bot misread twice: a fallback, then an answer the customer rejects and an agent takes over."""
    return {"id": conversation_id, "channel": "app", "user_id": "u1", "history": [
        turn("你好", "greet", 0.97, ["greet"]),
        turn("我们那条线从早上开始就用不了啦 客户都在打电话骂人", "out_of_scope", 0.31, ["fallback"], "抱歉，我没听懂"),
        turn("/affirm", "affirm", 1.0, ["ask_location"]),
        turn("那个电路的事情到底怎么样了", "rate_service", 0.52, ["survey_thanks"], "感谢您的评价"),
        turn("你说的根本不对啊 转人工", "request_human", 0.9, ["handoff_queued"]),
    ]}


def test_fallbacks_rejected_answers_and_handoffs_are_found_with_context(interpreter):
    items = review_items(conversation(), interpreter.parse_sync, threshold=0.45, margin=0.1)
    by_text = {item.text: item for item in items}
    fallback = by_text["我们那条线从早上开始就用不了啦 客户都在打电话骂人"]
    assert fallback.reason.startswith("fallback") and fallback.previous == "你好"
    assert fallback.bot_reply == "抱歉，我没听懂" and fallback.predicted == "out_of_scope"
    rejected = by_text["那个电路的事情到底怎么样了"]
    assert "retracted_after" in rejected.reason and "handoff_after" in rejected.reason
    assert rejected.next == "你说的根本不对啊 转人工"
    assert "你好" not in by_text and "/affirm" not in by_text


def test_a_conversation_the_bot_understood_gives_nothing(interpreter):
    calm = {"id": "app:u2", "channel": "app", "history": [turn("查一下工单进度", "query_ticket", 0.95, ["ask_ticket_id"]),
                                                          turn("GD202611230001", "provide_info", 0.9, ["ticket_status"])]}
    assert [i.text for i in review_items(calm, interpreter.parse_sync, threshold=0.45, margin=0.0)] == []


def test_labels_round_trip_through_the_csv_and_only_new_examples_are_merged(tmp_path: Path):
    rows = [ReviewItem("app:u1", "app", "t", "fallback", "专线从早上就用不了了", "out_of_scope", 0.3, 0.05, "", "", ""),
            ReviewItem("app:u1", "app", "t", "low_margin", "你们这服务[真]行", "greet", 0.5, 0.02, "", "", ""),
            ReviewItem("app:u2", "app", "t", "fallback", "嗯嗯", "greet", 0.4, 0.1, "", "", "")]
    path = tmp_path / "review.csv"
    assert write_csv(rows, path) == 3
    labelled = _label(path, {"专线从早上就用不了了": "report_fault", "你们这服务[真]行": "rate_service", "嗯嗯": "skip"})
    examples = read_labels(labelled, ["report_fault", "rate_service", "greet"])
    assert [(e.text, e.intent) for e in examples] == [("专线从早上就用不了了", "report_fault"),
                                                      ("你们这服务［真］行", "rate_service")]
    existing = TrainingData([Example("专线从早上就用不了了", "report_fault")])
    target = tmp_path / "data" / "review.yml"
    target.parent.mkdir()
    added = merge_into(target, examples, existing)
    assert [e.text for e in added] == ["你们这服务［真］行"]
    merged = load_yaml(target)
    assert [(e.text, e.intent, e.entities) for e in merged.examples] == [("你们这服务［真］行", "rate_service", ())]
    assert merge_into(target, examples, existing) == []


def test_an_unknown_label_names_its_row(tmp_path: Path):
    path = tmp_path / "review.csv"
    write_csv([ReviewItem("c", "app", "t", "fallback", "网断了", "greet", 0.3, 0.1, "", "", "")], path)
    with pytest.raises(NluDataError, match=r"review\.csv:2: label 'fault' is not an intent"):
        read_labels(_label(path, {"网断了": "fault"}), ["report_fault"])


def _label(path: Path, labels: dict[str, str]) -> Path:
    """Fill the label column the way an operator would in a spreadsheet."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["label"] = labels.get(row["text"], "")
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture training data with a small held-back split."""
    target = tmp_path / "nlu"
    shutil.copytree(FIXTURES, target)
    (target / "test").mkdir()
    (target / "test" / "held.yml").write_text(
        'nlu:\n- intent: report_fault\n  examples: |\n    - 办公室的网络全断了\n'
        '- intent: greet\n  examples: |\n    - 早上好呀\n', encoding="utf-8")
    return target


def _config(tmp_path: Path, data_dir: Path, prefix: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"nlu:\n  data_dir: {data_dir}\n  model_dir: {tmp_path / 'models'}\n"
                    f"redis:\n  url: {REDIS_URL}\n  key_prefix: '{prefix}'\n"
                    "conversations:\n  backend: redis\n", encoding="utf-8")
    return path


async def test_export_from_redis_then_import_retrains_and_compares(tmp_path: Path, data_dir: Path,
                                                                  capsys: pytest.CaptureFixture[str]):
    require_redis()
    prefix = f"fdtest:{uuid.uuid4().hex[:8]}:"
    client = Redis.from_url(REDIS_URL)
    store = RedisConversationStore(client, prefix=prefix, ttl_s=60, lock_timeout_s=5)
    try:
        await store.save("app:u1", conversation())
        await store.save("app:u2", {"id": "app:u2", "channel": "app", "history": []})
        config, out = _config(tmp_path, data_dir, prefix), tmp_path / "review.csv"
        assert await _run(["--config", str(config), "nlu", "review", "--out", str(out)]) == 0
    finally:
        await client.delete(*[k async for k in client.scan_iter(match=f"{prefix}*")])
        await client.aclose()
    printed = capsys.readouterr().out
    assert "from 2 conversations" in printed
    with out.open(encoding="utf-8-sig", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert "我们那条线从早上开始就用不了啦 客户都在打电话骂人" in texts
    _label(out, {"我们那条线从早上开始就用不了啦 客户都在打电话骂人": "report_fault"})
    models_before = set((tmp_path / "models").glob("nlu-*.npz"))
    assert await _run(["--config", str(config), "nlu", "review", "--import", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1 new examples added" in printed and "test split (2): accuracy" in printed and "->" in printed
    assert ("我们那条线从早上开始就用不了啦 客户都在打电话骂人", "report_fault") in [
        (e.text, e.intent) for e in load_path(data_dir).examples]
    assert set((tmp_path / "models").glob("nlu-*.npz")) != models_before


async def _run(argv: list[str]) -> int:
    """The CLI runs its own event loop, so it goes to a worker thread from this async test."""
    import asyncio

    return await asyncio.to_thread(main, argv)


def test_export_without_a_store_to_read_is_a_clear_error(tmp_path: Path, data_dir: Path,
                                                         capsys: pytest.CaptureFixture[str]):
    config = tmp_path / "config.yaml"
    config.write_text(f"nlu:\n  data_dir: {data_dir}\n  model_dir: {tmp_path / 'models'}\n", encoding="utf-8")
    assert main(["--config", str(config), "nlu", "review"]) == 2
    assert "--from FILE" in capsys.readouterr().err


def test_export_from_a_json_lines_file(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]):
    source = tmp_path / "conversations.jsonl"
    source.write_text(json.dumps(conversation(), ensure_ascii=False) + "\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"nlu:\n  data_dir: {data_dir}\n  model_dir: {tmp_path / 'models'}\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    assert main(["--config", str(config), "nlu", "review", "--from", str(source), "--out", str(out)]) == 0
    assert "from 1 conversations" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].endswith(",label")
