"""The knowledge-base article and the rules every imported article must satisfy."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

SERVICE_TYPES = ("专线", "互联网专线", "宽带", "固话", "云主机", "IDC", "物联网卡", "5G专网", "语音专线", "短信")
TIERS = ("industry", "cluster")
STATUSES = ("draft", "published", "retired")
REQUIRED = ("key", "title", "short_answer", "body")
LIST_FIELDS = ("questions", "tags", "service_types", "regions", "tiers")
FIELDS = (
    "key", "title", "questions", "tags", "service_types", "regions", "tiers",
    "short_answer", "voice_answer", "status", "owner", "review_date", "body",
)
SHORT_ANSWER_MAX = 200
VOICE_ANSWER_MAX = 60
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
_VOICE_FORBIDDEN = re.compile(r"https?://|www\.|\||<[a-z/]", re.IGNORECASE)


class FieldError(ValueError):
    """One field of an article is missing or invalid; the loader adds the file and line."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


@dataclass(frozen=True)
class Article:
    """One knowledge article; texts are untrusted (never render them as HTML unescaped)."""

    key: str
    title: str
    short_answer: str
    body: str
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    service_types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    voice_answer: str = ""
    status: str = "draft"
    owner: str = ""
    review_date: dt.date | None = None

    @property
    def searchable(self) -> bool:
        """Only published articles may be shown to customers."""
        return self.status == "published"

    def to_dict(self) -> dict[str, Any]:
        """Plain data in field order (lists, ISO date) for the exporters and the API."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if name in LIST_FIELDS:
                value = list(value)
            elif name == "review_date":
                value = value.isoformat() if value else ""
            out[name] = value
        return out


def _as_list(name: str, value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = re.split(r"[|\n]", value)
    if not isinstance(value, (list, tuple)):
        raise FieldError(name, f"{name} must be a list of strings")
    items = []
    for item in value:
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            raise FieldError(name, f"{name} must be a list of strings")
        text = str(item).strip()
        if text:
            items.append(text)
    return tuple(items)


def _as_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise FieldError(name, f"{name} must be text")
    return str(value).strip()


def _as_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldError("review_date", f"review_date must be YYYY-MM-DD, got {value!r}") from None


def _check_choices(name: str, values: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise FieldError(name, f"unknown {name} {unknown}; allowed: {', '.join(allowed)}")


def _check_texts(a: Article) -> None:
    if not KEY_RE.match(a.key):
        raise FieldError("key", f"key {a.key!r} must be a lowercase slug (a-z, 0-9, '-')")
    if len(a.short_answer) > SHORT_ANSWER_MAX:
        raise FieldError("short_answer", f"short_answer has {len(a.short_answer)} characters (max {SHORT_ANSWER_MAX})")
    if len(a.voice_answer) > VOICE_ANSWER_MAX:
        raise FieldError("voice_answer", f"voice_answer has {len(a.voice_answer)} characters (max {VOICE_ANSWER_MAX})")
    if _VOICE_FORBIDDEN.search(a.voice_answer):
        raise FieldError("voice_answer", "voice_answer must not contain URLs, tables or markup")
    if a.status not in STATUSES:
        raise FieldError("status", f"status {a.status!r} is not one of {', '.join(STATUSES)}")


def article_from_mapping(data: Mapping[str, Any], default_key: str = "") -> Article:
    """Validate raw imported fields into an Article; raises FieldError naming the field."""
    if not isinstance(data, Mapping):
        raise FieldError("", "an article must be a mapping of fields")
    unknown = sorted(set(map(str, data)) - set(FIELDS))
    if unknown:
        raise FieldError(unknown[0], f"unknown field {unknown[0]!r}; known: {', '.join(FIELDS)}")
    values = {name: data.get(name) for name in FIELDS}
    values["key"] = values["key"] if values["key"] not in (None, "") else default_key
    for name in REQUIRED:
        if values[name] is None or not str(values[name]).strip():
            raise FieldError(name, f"required field {name!r} is missing or empty")
    lists: dict[str, Any] = {name: _as_list(name, values[name]) for name in LIST_FIELDS}
    _check_choices("service_types", lists["service_types"], SERVICE_TYPES)
    _check_choices("tiers", lists["tiers"], TIERS)
    texts: dict[str, Any] = {n: _as_text(n, values[n])
                             for n in ("key", "title", "short_answer", "voice_answer", "owner", "body")}
    article = Article(
        **texts, **lists,
        status=_as_text("status", values["status"]) or "draft",
        review_date=_as_date(values["review_date"]),
    )
    _check_texts(article)
    return article


def validated(articles: Iterable[Article]) -> list[Article]:
    """Articles held to the import rules with unique keys, whoever built them; FieldError names the position
    (``[3].short_answer``)."""
    out: list[Article] = []
    seen: set[str] = set()
    for i, article in enumerate(articles):
        try:
            valid = article_from_mapping(article.to_dict())
        except FieldError as exc:
            raise FieldError(f"[{i}].{exc.field_name}", str(exc)) from None
        if valid.key in seen:
            raise FieldError(f"[{i}].key", f"key {valid.key!r} appears twice")
        seen.add(valid.key)
        out.append(valid)
    return out
