"""Resolves Chinese date/time expressions (明天下午三点, 周五上午, 11月25号14:30, 半小时后) to aware datetimes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_ZH = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_N = r"(?:\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_RELATIVE_DAYS = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "今儿": 0, "当天": 0,
                  "明天": 1, "明日": 1, "明儿": 1, "后天": 2, "大后天": 3, "今早": 0, "今晚": 0, "明早": 1,
                  "明晚": 1}
_COMBINED_PERIOD = {"今早": "早上", "今晚": "晚上", "明早": "早上", "明晚": "晚上"}
_PERIOD_HOUR = {"凌晨": 3, "清晨": 7, "一早": 8, "早上": 8, "早晨": 8, "上午": 9, "中午": 12, "午后": 14, "下午": 14,
                "傍晚": 18, "晚上": 19, "夜里": 21}
_PM = {"午后", "下午", "傍晚", "晚上", "夜里"}
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}

_DAY = (rf"(?P<rel>{'|'.join(sorted(_RELATIVE_DAYS, key=len, reverse=True))})"
        r"|(?P<wk>(?P<wkmod>下下个?|下个?|这个?|本|上个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天末1-7]))"
        rf"|(?:(?P<y>\d{{4}})[年\-/.])?(?P<m>{_N})[月\-/.](?P<d>{_N})[日号]?"
        rf"|(?<![路街道巷弄村里院楼栋区大])(?P<donly>{_N})[号日](?![楼线院门栋室座房层])")
_PERIOD = rf"(?P<p>{'|'.join(sorted(_PERIOD_HOUR, key=len, reverse=True))})"
_TIME = (rf"(?P<h>{_N})(?:[点時时]|[:：](?=\d))"
         rf"(?:(?P<half>半)|(?P<quarter>一刻|三刻)|(?P<min>{_N})分?)?")
_ABSOLUTE = re.compile(rf"(?<![\dA-Za-z])(?:{_DAY})?\s*(?:{_PERIOD})?\s*(?:{_TIME})?")
_AFTER = re.compile(rf"(?P<n>{_N}|半)个?(?P<unit>半小时|小时|钟头|分钟|天)(?:以后|之后|后)")


@dataclass(frozen=True)
class DateTimeMatch:
    """One resolved expression: where it is in the text and the moment it means."""

    start: int
    end: int
    text: str
    value: datetime


def zh_number(token: str) -> int:
    """``十二`` -> 12, ``二十五`` -> 25, ``7`` -> 7 (0-99)."""
    if token.isdigit():
        return int(token)
    if "十" not in token:
        return int("".join(str(_ZH[c]) for c in token))
    tens, _, units = token.partition("十")
    return (_ZH[tens] if tens else 1) * 10 + (_ZH[units] if units else 0)


def find_datetimes(text: str, now: datetime) -> list[DateTimeMatch]:
    """Every date/time expression of ``text``, resolved relative to ``now`` (an aware datetime)."""
    found = [_relative(m, now) for m in _AFTER.finditer(text)]
    taken = [(f.start, f.end) for f in found]
    for match in _ABSOLUTE.finditer(text):
        if match.end() == match.start() or any(s < match.end() and match.start() < e for s, e in taken):
            continue
        value = _resolve(match, now)
        if value is not None:
            span = match.group()
            start = match.start() + len(span) - len(span.lstrip())
            found.append(DateTimeMatch(start, start + len(span.strip()), span.strip(), value))
    return sorted(found, key=lambda f: f.start)


def _relative(match: re.Match, now: datetime) -> DateTimeMatch:
    n = 0.5 if match["n"] == "半" else zh_number(match["n"])
    unit = match["unit"]
    delta = {"半小时": timedelta(hours=n + 0.5), "小时": timedelta(hours=n), "钟头": timedelta(hours=n),
             "分钟": timedelta(minutes=n), "天": timedelta(days=n)}[unit]
    return DateTimeMatch(match.start(), match.end(), match.group(), (now + delta).replace(microsecond=0))


def _resolve(match: re.Match, now: datetime) -> datetime | None:
    try:
        day = _day(match, now.date())
        clock = _clock(match, day is None)
    except (ValueError, KeyError):
        return None
    if day is None and clock is None:
        return None
    if day is None:
        return _next_occurrence(clock, match["p"] is not None, now)
    return datetime.combine(day, clock or time(0), tzinfo=now.tzinfo)


def _day(match: re.Match, today: date) -> date | None:
    if match["rel"]:
        return today + timedelta(days=_RELATIVE_DAYS[match["rel"]])
    if match["wk"]:
        wd = match["wd"]
        weekday = int(wd) - 1 if wd.isdigit() else _WEEKDAY[wd]
        mod = (match["wkmod"] or "").rstrip("个")
        monday = today - timedelta(days=today.weekday())
        shift = {"下下": 14, "下": 7, "上": -7}.get(mod, 0)
        candidate = monday + timedelta(days=shift + weekday)
        return candidate + timedelta(days=7) if not mod and candidate < today else candidate
    if match["m"]:
        year = int(match["y"]) if match["y"] else today.year
        candidate = date(year, zh_number(match["m"]), zh_number(match["d"]))
        return candidate.replace(year=year + 1) if not match["y"] and candidate < today else candidate
    if match["donly"]:
        candidate = today.replace(day=zh_number(match["donly"]))
        if candidate < today:
            candidate = (candidate.replace(day=1) + timedelta(days=32)).replace(day=candidate.day)
        return candidate
    return None


def _clock(match: re.Match, bare: bool) -> time | None:
    period = _COMBINED_PERIOD.get(match["rel"] or "", match["p"])
    if not match["h"]:
        return time(_PERIOD_HOUR[period]) if period else None
    hour = zh_number(match["h"])
    minute = 30 if match["half"] else {"一刻": 15, "三刻": 45}.get(match["quarter"] or "", 0)
    minute = zh_number(match["min"]) if match["min"] else minute
    if period in _PM and hour < 12 or period == "中午" and hour < 6:
        hour += 12
    if bare and period is None and match["h"] == "一" and not (match["min"] or match["half"] or match["quarter"]):
        return None  # 快一点 / 有一点: "a bit", not one o'clock
    return time(hour % 24 if hour == 24 else hour, minute)


def _next_occurrence(clock: time, has_period: bool, now: datetime) -> datetime:
    moment = datetime.combine(now.date(), clock, tzinfo=now.tzinfo)
    if not has_period and clock.hour < 12 and moment <= now < moment + timedelta(hours=12):
        moment += timedelta(hours=12)
    return moment if moment > now else moment + timedelta(days=1)
