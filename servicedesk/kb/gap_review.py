"""Gap review: unanswered questions go out to a reviewer as a file and come back as article questions or drafts.

The reviewer fills the ``article`` column of each row: an article's key (its questions gain the row's query and
examples, a new version) or ``new`` (a draft article named by ``title``, to be written and published). Rows left
empty are skipped. The merge is pure; the CLI reads and writes the articles through the desk's contract.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

from backend_client.kb.article import Article, FieldError, article_from_mapping
from backend_client.kb.records import KbGap
from servicedesk.kb.loaders import KbFormatError
from nlu.text.retrieval import compact, normalise

NEW = "new"
COLUMNS = ("article", "title", "query", "count", "examples", "suggested")
_SEP = " | "


@dataclass(frozen=True)
class Reviewed:
    """One reviewed gap: where its questions go (an article key or ``new``), and the questions themselves."""

    article: str
    title: str
    questions: tuple[str, ...]
    line: int


def review_rows(gaps: Iterable[KbGap], suggested: Mapping[str, str]) -> list[dict[str, Any]]:
    """One row per gap for the reviewer; ``suggested`` maps a gap's query to the article search ranks first."""
    return [{"article": "", "title": "", "query": g.query, "count": g.count,
             "examples": _SEP.join(q for q in g.examples if q != g.query), "suggested": suggested.get(g.query, "")}
            for g in gaps]


def dump_review(rows: Sequence[Mapping[str, Any]], path: Path) -> str:
    """The rows as YAML (``.yml``/``.yaml``) or CSV (anything else)."""
    if path.suffix.lower() in (".yml", ".yaml"):
        return yaml.safe_dump([dict(r) for r in rows], allow_unicode=True, sort_keys=False)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def load_review(path: str | Path) -> list[Reviewed]:
    """The decided rows of a review file; a malformed file or row raises KbFormatError naming the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise KbFormatError(path, 1, "file is not valid UTF-8") from None
    except OSError as exc:
        raise KbFormatError(path, 0, f"cannot read the file: {exc.strerror}") from None
    rows = _yaml_rows(path, text) if path.suffix.lower() in (".yml", ".yaml") else _csv_rows(path, text)
    return [r for r in (_reviewed(path, line, row) for line, row in rows) if r is not None]


def _csv_rows(path: Path, text: str) -> Sequence[tuple[int, Mapping[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise KbFormatError(path, reader.line_num, f"invalid CSV: {exc}") from None
    missing = {"article", "query"} - set(reader.fieldnames or ())
    if missing:
        raise KbFormatError(path, 1, f"missing column(s) {', '.join(sorted(missing))}")
    return rows


def _yaml_rows(path: Path, text: str) -> Sequence[tuple[int, Mapping[str, Any]]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KbFormatError(path, mark.line + 1 if mark else 1, f"invalid YAML: {exc}") from None
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise KbFormatError(path, 1, "expected a list of rows (mappings)")
    return [(item.start_mark.line + 1, row) for item, row in zip(node.value, data)]


def _reviewed(path: Path, line: int, row: Mapping[str, Any]) -> Reviewed | None:
    target = _text(row.get("article")).lower()
    if not target:
        return None
    query = _text(row.get("query"))
    if not query:
        raise KbFormatError(path, line, "query is empty")
    examples = [q.strip() for q in _text(row.get("examples")).split("|")]
    return Reviewed(target, _text(row.get("title")), _unique([query, *examples]), line)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _unique(questions: Iterable[str]) -> tuple[str, ...]:
    seen, out = set(), []
    for q in questions:
        form = compact(normalise(q))
        if form and form not in seen:
            seen.add(form)
            out.append(q)
    return tuple(out)


def apply_review(path: str | Path, reviewed: Iterable[Reviewed], articles: Mapping[str, Article],
                 owner: str) -> list[Article]:
    """The articles to import: existing ones with the reviewed questions added, and new drafts. An unknown or
    retired key raises KbFormatError naming the row's line."""
    changed: dict[str, Article] = {}
    for row in reviewed:
        if row.article == NEW:
            draft = _draft(path, row, owner)
            changed[draft.key] = draft
            continue
        current = changed.get(row.article) or articles.get(row.article)
        if current is None or current.status == "retired":
            state = "retired" if current else "unknown"
            raise KbFormatError(path, row.line, f"{state} article {row.article!r}: give a current key or '{NEW}'")
        changed[row.article] = dataclasses.replace(current, questions=_unique([*current.questions, *row.questions]))
    return [a for key, a in changed.items() if a != articles.get(key)]


def _draft(path: str | Path, row: Reviewed, owner: str) -> Article:
    title = row.title or row.questions[0]
    asked = "；".join(row.questions)
    try:
        return article_from_mapping({
            "key": "gap-" + hashlib.sha1(compact(normalise(row.questions[0])).encode()).hexdigest()[:10],
            "title": title[:200], "questions": list(row.questions), "status": "draft", "owner": owner[:64],
            "short_answer": f"（待编写）{title}"[:200], "body": f"待编写。客户的问法：{asked}",
        })
    except FieldError as exc:
        raise KbFormatError(path, row.line, f"{exc.field_name}: {exc}") from None
