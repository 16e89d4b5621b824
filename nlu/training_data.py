"""Reads Rasa 3.x NLU YAML (intents with entity markup, synonyms, regexes, lookups) and text<TAB>intent TSV."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlu.types import Entity

# [text](entity), [text](entity:value) or [text]{"entity": ..., "value": ...}
_MARKUP = re.compile(r"\[(?P<text>[^\]\n]+?)\](?:\((?P<paren>[^)\n]+)\)|(?P<brace>\{[^}\n]+\}))")
_SECTION_KEYS = ("intent", "synonym", "regex", "lookup")


class NluDataError(ValueError):
    """Training data that cannot be used; the message names the file, the line and the problem."""

    def __init__(self, path: Path | str, line: int, problem: str):
        super().__init__(f"{path}:{line}: {problem}")
        self.path, self.line, self.problem = str(path), line, problem


@dataclass(frozen=True)
class Example:
    """One training sentence with its intent and annotated entities (markup removed)."""

    text: str
    intent: str
    entities: tuple[Entity, ...] = ()


@dataclass
class TrainingData:
    """Everything one or more NLU files declare."""

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        """Intent names in sorted order."""
        return sorted({e.intent for e in self.examples})

    def merge(self, other: "TrainingData") -> None:
        """Add ``other``'s content to this one."""
        self.examples.extend(other.examples)
        self.synonyms.update(other.synonyms)
        for name, items in other.regexes.items():
            self.regexes.setdefault(name, []).extend(items)
        for name, items in other.lookups.items():
            self.lookups.setdefault(name, []).extend(items)


def parse_markup(text: str, where: tuple[Path | str, int] = ("<text>", 0)) -> tuple[str, tuple[Entity, ...]]:
    """Strip Rasa entity markup from ``text`` and return the plain text and its entities."""
    plain, entities, pos = [], [], 0
    for match in _MARKUP.finditer(text):
        plain.append(text[pos:match.start()])
        start = sum(len(p) for p in plain)
        span = match["text"]
        name, value = _entity_spec(match, where)
        entities.append(Entity(name, value if value is not None else span, start, start + len(span), span,
                               extractor="annotation"))
        plain.append(span)
        pos = match.end()
    plain.append(text[pos:])
    return "".join(plain), tuple(entities)


def _entity_spec(match: re.Match, where: tuple[Path | str, int]) -> tuple[str, str | None]:
    if match["paren"] is not None:
        name, _, value = match["paren"].partition(":")
        return name.strip(), (value.strip() or None)
    try:
        spec = json.loads(match["brace"])
    except json.JSONDecodeError as exc:
        raise NluDataError(*where, f"entity annotation {match['brace']} is not valid JSON: {exc.msg}") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("entity"), str):
        raise NluDataError(*where, f"entity annotation {match['brace']} needs an \"entity\" name")
    value = spec.get("value")
    return spec["entity"], None if value is None else str(value)


def load_yaml(path: Path) -> TrainingData:
    """Read one Rasa NLU YAML file; raises NluDataError naming the file and line of any problem."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise NluDataError(path, mark.line + 1 if mark else 0, f"not valid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:  # e.g. a control character: the reader refuses it before any mark exists
        raise NluDataError(path, 0, f"not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise NluDataError(path, 0, f"cannot read: {exc}") from exc
    data = TrainingData()
    if root is None:
        return data
    if not isinstance(root, yaml.MappingNode):
        raise NluDataError(path, root.start_mark.line + 1, "the top level must be a mapping with an 'nlu:' key")
    for key, value in root.value:
        if key.value == "nlu":
            _read_nlu(path, value, data)
    return data


def _read_nlu(path: Path, node: yaml.Node, data: TrainingData) -> None:
    if not isinstance(node, yaml.SequenceNode):
        raise NluDataError(path, node.start_mark.line + 1, "'nlu:' must be a list of intent/synonym/regex/lookup items")
    for item in node.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            raise NluDataError(path, line, "each 'nlu:' item must be a mapping")
        fields = {k.value: v for k, v in item.value}
        kinds = [k for k in _SECTION_KEYS if k in fields]
        if len(kinds) != 1:
            raise NluDataError(path, line, f"an item needs exactly one of {', '.join(_SECTION_KEYS)}")
        name_node = fields[kinds[0]]
        if not isinstance(name_node, yaml.ScalarNode) or not str(name_node.value).strip():
            raise NluDataError(path, line, f"'{kinds[0]}:' needs a name")
        if "examples" not in fields:
            raise NluDataError(path, line, f"{kinds[0]} '{name_node.value}' has no 'examples:'")
        examples = _examples(path, fields["examples"])
        _add(path, kinds[0], str(name_node.value).strip(), examples, data)


def _examples(path: Path, node: yaml.Node) -> list[tuple[str, int]]:
    if isinstance(node, yaml.SequenceNode):
        return [(str(n.value), n.start_mark.line + 1) for n in node.value if isinstance(n, yaml.ScalarNode)]
    if not isinstance(node, yaml.ScalarNode):
        raise NluDataError(path, node.start_mark.line + 1, "'examples:' must be a block of '- ' lines")
    first = node.start_mark.line + (2 if node.style in ("|", ">") else 1)
    found = []
    for offset, raw in enumerate(str(node.value).splitlines()):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("- "):
            raise NluDataError(path, first + offset, f"example line must start with '- ': {line[:40]!r}")
        found.append((line[2:].strip(), first + offset))
    return found


def _add(path: Path, kind: str, name: str, examples: list[tuple[str, int]], data: TrainingData) -> None:
    for text, line in examples:
        if not text:
            raise NluDataError(path, line, f"empty example in {kind} '{name}'")
        if kind == "intent":
            plain, entities = parse_markup(text, (path, line))
            data.examples.append(Example(plain, name, entities))
            for ent in entities:
                if ent.value != ent.text:
                    data.synonyms.setdefault(ent.text, ent.value)
        elif kind == "synonym":
            data.synonyms[text] = name
        elif kind == "regex":
            try:
                re.compile(text)
            except re.error as exc:
                raise NluDataError(path, line, f"regex '{name}': bad pattern {text!r}: {exc}") from exc
            data.regexes.setdefault(name, []).append(text)
        else:
            data.lookups.setdefault(name, []).append(text)


def load_tsv(path: Path) -> TrainingData:
    """Read ``text<TAB>intent`` lines (a header line ``text<TAB>intent`` is skipped)."""
    data = TrainingData()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise NluDataError(path, 0, f"cannot read: {exc}") from exc
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        text, sep, intent = raw.rpartition("\t")
        if not sep or not text.strip() or not intent.strip():
            raise NluDataError(path, number, "expected text<TAB>intent")
        if number == 1 and (text.strip().lower(), intent.strip().lower()) in {("text", "intent"), ("sentence", "tag")}:
            continue
        data.examples.append(Example(text.strip(), intent.strip()))
    return data


def load_path(path: Path) -> TrainingData:
    """One YAML or TSV file, or every *.yml/*.yaml directly inside a directory (sub-directories are skipped)."""
    if path.is_dir():
        data = TrainingData()
        for file in data_files(path):
            data.merge(load_yaml(file))
        return data
    if path.suffix.lower() in (".tsv", ".txt", ".csv"):
        return load_tsv(path)
    return load_yaml(path)


def data_files(directory: Path) -> list[Path]:
    """The training files of a data directory, in a stable order."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yml", ".yaml"))
