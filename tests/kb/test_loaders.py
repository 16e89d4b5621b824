"""Loading and exporting articles: good files round-trip, malformed ones name the file and line."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from servicedesk.kb import KbFormatError, load_file, load_path, to_csv, to_markdown, to_yaml

GOOD_MD = """---
key: fault-demo
title: 专线中断自查
questions:
  - 专线断了
  - 网络不通
tags: [故障]
service_types: [专线]
tiers: [industry]
short_answer: 先看光猫。
voice_answer: 先看光猫。
status: published
owner: 运维
review_date: 2025-09-30
---

# 正文

<script>alert(1)</script> 保持原样
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_front_matter_is_parsed(tmp_path):
    [article] = load_file(write(tmp_path, "fault-demo.md", GOOD_MD))
    assert article.key == "fault-demo"
    assert article.questions == ("专线断了", "网络不通")
    assert article.service_types == ("专线",) and article.tiers == ("industry",)
    assert article.review_date == dt.date(2025, 9, 30)
    assert article.body.startswith("# 正文")
    assert "<script>alert(1)</script>" in article.body  # stored as text; escaping is the renderer's job


def test_key_defaults_to_file_name(tmp_path):
    text = GOOD_MD.replace("key: fault-demo\n", "")
    [article] = load_file(write(tmp_path, "from-name.md", text))
    assert article.key == "from-name"


@pytest.mark.parametrize("old, new, line, words", [
    ("status: published", "status: live", 12, "status"),
    ("service_types: [专线]", "service_types: [卫星]", 8, "service_types"),
    ("tiers: [industry]", "tiers: [vip]", 9, "tiers"),
    ("review_date: 2025-09-30", "review_date: soon", 14, "review_date"),
    ("title: 专线中断自查", "title: ''", 3, "title"),
    ("owner: 运维", "ownr: 运维", 13, "ownr"),
    ("voice_answer: 先看光猫。", "voice_answer: 见 https://example.com", 11, "voice_answer"),
    ("questions:\n  - 专线断了", "questions:\n\t- 专线断了", 5, "YAML"),
])
def test_malformed_markdown_names_file_and_line(tmp_path, old, new, line, words):
    path = write(tmp_path, "bad.md", GOOD_MD.replace(old, new))
    with pytest.raises(KbFormatError) as info:
        load_file(path)
    assert info.value.path == str(path)
    assert info.value.line == line
    assert words in str(info.value) and f"bad.md:{line}:" in str(info.value)


def test_markdown_without_front_matter_is_rejected(tmp_path):
    with pytest.raises(KbFormatError, match="front matter"):
        load_file(write(tmp_path, "x.md", "# just a title\n"))


def test_short_answer_length_is_enforced(tmp_path):
    text = GOOD_MD.replace("short_answer: 先看光猫。", "short_answer: " + "长" * 201)
    with pytest.raises(KbFormatError, match="short_answer") as info:
        load_file(write(tmp_path, "long.md", text))
    assert info.value.line == 10


def test_yaml_list_is_loaded_and_errors_point_at_the_field(tmp_path):
    good = "articles:\n  - key: a-one\n    title: 标题\n    short_answer: 答\n    body: 正文\n    status: published\n"
    assert [a.key for a in load_file(write(tmp_path, "kb.yaml", good))] == ["a-one"]
    bad = good + "  - key: a-two\n    title: 标题\n    short_answer: 答\n    body: 正文\n    status: gone\n"
    with pytest.raises(KbFormatError) as info:
        load_file(write(tmp_path, "bad.yaml", bad))
    assert info.value.line == 11


def test_csv_rows_split_lists_and_report_the_row_line(tmp_path):
    text = 'key,title,questions,short_answer,body,status\n' \
           'c-one,标题,"问一|问二",答,"多行\n正文",published\n' \
           'c-two,标题,问,答,,published\n'
    path = write(tmp_path, "kb.csv", text)
    with pytest.raises(KbFormatError) as info:
        load_file(path)
    assert info.value.line == 4 and "body" in str(info.value)
    [article] = load_file(write(tmp_path, "ok.csv", text.rsplit("c-two", 1)[0]))
    assert article.questions == ("问一", "问二") and article.body == "多行\n正文"


def test_duplicate_keys_in_a_folder_are_rejected(tmp_path):
    write(tmp_path, "one.md", GOOD_MD)
    write(tmp_path, "two.md", GOOD_MD)
    with pytest.raises(KbFormatError, match="duplicate key 'fault-demo'"):
        load_path(tmp_path)


def test_exports_round_trip(tmp_path):
    [article] = load_file(write(tmp_path, "fault-demo.md", GOOD_MD))
    assert load_file(write(tmp_path, "again.md", to_markdown(article))) == [article]
    assert load_file(write(tmp_path, "all.yaml", to_yaml([article]))) == [article]
    assert load_file(write(tmp_path, "all.csv", to_csv([article]))) == [article]


def test_non_utf8_file_is_reported(tmp_path):
    path = tmp_path / "gbk.md"
    path.write_bytes(GOOD_MD.encode("gbk"))
    with pytest.raises(KbFormatError, match="UTF-8"):
        load_file(path)
