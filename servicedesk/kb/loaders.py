"""Read articles from Markdown-with-front-matter, YAML and CSV files; every error names file and line."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterable

import yaml

from backend_client.kb.article import FIELDS, Article, FieldError, article_from_mapping

SUFFIXES = (".md", ".markdown", ".yaml", ".yml", ".csv")
_FENCE = "---"


class KbFormatError(ValueError):
    """An import file is malformed; ``path`` and ``line`` (1-based) say where."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = str(path)
        self.line = line
        self.reason = message


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise KbFormatError(path, line, "file is not valid UTF-8") from None


def _compose(path: Path, text: str, first_line: int) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + (mark.line if mark else 0)
        raise KbFormatError(path, line, f"invalid YAML: {getattr(exc, 'problem', None) or exc}") from None


def _field_lines(node: yaml.Node, first_line: int) -> dict[str, int]:
    lines = {"": first_line + node.start_mark.line}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = first_line + key_node.start_mark.line
    return lines


def _construct(path: Path, node: yaml.Node, first_line: int) -> Any:
    try:
        return yaml.SafeLoader("").construct_document(node)
    except yaml.YAMLError as exc:
        raise KbFormatError(path, first_line + node.start_mark.line, f"invalid YAML: {exc}") from None


def _validate(path: Path, data: Any, lines: dict[str, int], default_key: str = "") -> Article:
    try:
        return article_from_mapping(data, default_key)
    except FieldError as exc:
        raise KbFormatError(path, lines.get(exc.field_name, lines[""]), str(exc)) from None


def parse_markdown(path: Path, text: str) -> Article:
    """One article: YAML front matter between '---' lines, then the Markdown body."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise KbFormatError(path, 1, "a Markdown article must start with '---' front matter")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == _FENCE), None)
    if end is None:
        raise KbFormatError(path, 1, "front matter is not closed by a '---' line")
    node = _compose(path, "\n".join(lines[1:end]), 2)
    if not isinstance(node, yaml.MappingNode):
        raise KbFormatError(path, 2, "front matter must be a mapping of fields")
    data = dict(_construct(path, node, 2))
    body = "\n".join(lines[end + 1:]).strip()
    if data.get("body") in (None, ""):
        data["body"] = body
    field_lines = _field_lines(node, 2)
    field_lines.setdefault("body", end + 2)
    return _validate(path, data, field_lines, default_key=path.stem)


def parse_yaml(path: Path, text: str) -> list[Article]:
    """A list of article mappings, or a mapping with an ``articles`` list."""
    root = _compose(path, text, 1)
    if isinstance(root, yaml.MappingNode):
        root = next((v for k, v in root.value if k.value == "articles"), root)
    if not isinstance(root, yaml.SequenceNode):
        raise KbFormatError(path, 1, "expected a list of articles (or 'articles:' with a list)")
    articles = []
    for item in root.value:
        lines = _field_lines(item, 1)
        if not isinstance(item, yaml.MappingNode):
            raise KbFormatError(path, lines[""], "each article must be a mapping of fields")
        articles.append(_validate(path, _construct(path, item, 1), lines))
    return articles


def parse_csv(path: Path, text: str) -> list[Article]:
    """A header row of field names; list fields separated by '|'; quoted cells may span lines."""
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="\0extra")
    articles, start = [], 2
    try:
        for row in reader:
            if "\0extra" in row:
                raise KbFormatError(path, start, "row has more cells than the header")
            data = {k: v for k, v in row.items() if v is not None}
            articles.append(_validate(path, data, {"": start}))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise KbFormatError(path, reader.line_num, f"invalid CSV: {exc}") from None
    if reader.fieldnames is None:
        raise KbFormatError(path, 1, "CSV file is empty (a header row is needed)")
    return articles


def load_file(path: str | Path) -> list[Article]:
    """Articles in one file, chosen by suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise KbFormatError(path, 1, f"unsupported file type {suffix!r}; use {', '.join(SUFFIXES)}")
    text = _read_text(path)
    if suffix in (".md", ".markdown"):
        return [parse_markdown(path, text)]
    return parse_yaml(path, text) if suffix in (".yaml", ".yml") else parse_csv(path, text)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not path.exists():
        raise KbFormatError(path, 0, "no such file or folder")
    return [path]


def load_path(path: str | Path) -> list[Article]:
    """All articles in a file or folder; all or nothing: a duplicate key or bad file raises."""
    seen: dict[str, Path] = {}
    articles = []
    for file in _files(Path(path)):
        for article in load_file(file):
            if article.key in seen:
                raise KbFormatError(file, 1, f"duplicate key {article.key!r} (also in {seen[article.key]})")
            seen[article.key] = file
            articles.append(article)
    return articles


def _front_matter(article: Article) -> str:
    data = article.to_dict()
    del data["body"]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def to_markdown(article: Article) -> str:
    """The Markdown-with-front-matter form that ``parse_markdown`` reads back."""
    return f"{_FENCE}\n{_front_matter(article)}{_FENCE}\n\n{article.body}\n"


def to_yaml(articles: Iterable[Article]) -> str:
    """A YAML document with an ``articles`` list."""
    data = {"articles": [a.to_dict() for a in articles]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def to_csv(articles: Iterable[Article]) -> str:
    """CSV with a header row; list fields joined by '|'."""
    out = io.StringIO(newline="")
    rows = [a.to_dict() for a in articles]
    writer = csv.DictWriter(out, fieldnames=list(FIELDS))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "|".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return out.getvalue()


def export_folder(articles: Iterable[Article], folder: str | Path) -> list[Path]:
    """Write one ``<key>.md`` per article into ``folder``; returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for article in articles:
        target = folder / f"{article.key}.md"
        target.write_text(to_markdown(article), encoding="utf-8")
        written.append(target)
    return written
