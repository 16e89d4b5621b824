"""Chinese date and time expressions resolved against a fixed now (Monday 2026-11-23 10:00 +08:00)."""
from __future__ import annotations

import pytest

from nlu.zh_datetime import find_datetimes, zh_number
from tests.nlu.conftest import NOW


@pytest.mark.parametrize("text, span, iso", [
    ("明天下午三点来", "明天下午三点", "2026-11-24T15:00:00+08:00"),
    ("周五上午可以", "周五上午", "2026-11-27T09:00:00+08:00"),
    ("下周三下午两点半", "下周三下午两点半", "2026-12-02T14:30:00+08:00"),
    ("11月25号14:30到", "11月25号14:30", "2026-11-25T14:30:00+08:00"),
    ("2026-12-01 09:00", "2026-12-01 09:00", "2026-12-01T09:00:00+08:00"),
    ("半小时后", "半小时后", "2026-11-23T10:30:00+08:00"),
    ("一个半小时以后", "一个半小时以后", "2026-11-23T11:30:00+08:00"),
    ("今晚八点", "今晚八点", "2026-11-23T20:00:00+08:00"),
    ("三点过来", "三点", "2026-11-23T15:00:00+08:00"),
    ("九点过来", "九点", "2026-11-23T21:00:00+08:00"),
    ("中午一点", "中午一点", "2026-11-23T13:00:00+08:00"),
    ("25号上午十点", "25号上午十点", "2026-11-25T10:00:00+08:00"),
    ("1月3号", "1月3号", "2027-01-03T00:00:00+08:00"),
    ("明天一早", "明天一早", "2026-11-24T08:00:00+08:00"),
])
def test_expressions_resolve_in_the_future(text: str, span: str, iso: str):
    found = find_datetimes(text, NOW)
    assert [(f.text, f.value.isoformat()) for f in found] == [(span, iso)]
    assert text[found[0].start:found[0].end] == span


@pytest.mark.parametrize("text", ["快一点修好", "太晚了", "5号楼三层", "文昌一路9号", "13月45号", "25点", "电路编号12345"])
def test_things_that_are_not_times(text: str):
    assert find_datetimes(text, NOW) == []


@pytest.mark.parametrize("token, value", [("十二", 12), ("二十五", 25), ("三十", 30), ("七", 7), ("08", 8)])
def test_chinese_numbers(token: str, value: int):
    assert zh_number(token) == value
