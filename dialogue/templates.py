"""Response templates (Simplified Chinese, YAML), selected by name with per-channel variants."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dialogue.types import Button, Reply, ReplyKind

DEFAULT_TEMPLATES = Path(__file__).with_name("templates") / "zh_CN.yml"


class TemplateError(ValueError):
    """A template file or a template use is wrong; names the template."""


@dataclass(frozen=True)
class _Template:
    text: str
    buttons: tuple[tuple[str, str], ...]
    variants: dict[str, str]


def _parse_entry(name: str, raw: Any) -> _Template:
    if isinstance(raw, str):
        return _Template(raw, (), {})
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise TemplateError(f"template {name!r}: needs a string or a mapping with 'text'")
    buttons = tuple((b["title"], b["payload"]) for b in raw.get("buttons", []))
    return _Template(raw["text"], buttons, dict(raw.get("variants", {})))


class Templates:
    """All responses of one language; `reply()` renders one for a channel."""

    def __init__(self, entries: dict[str, _Template], labels: dict[str, dict[str, str]]):
        self._entries = entries
        self._labels = labels

    @classmethod
    def load(cls, path: Path | None = None) -> "Templates":
        """Read a template file (the shipped Chinese one by default)."""
        path = path or DEFAULT_TEMPLATES
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        labels = data.pop("labels", {})
        entries = {name: _parse_entry(name, raw) for name, raw in data.items()}
        return cls(entries, labels)

    def names(self) -> set[str]:
        """Every template name, for checks."""
        return set(self._entries)

    def text(self, name: str, channel: str = "", **values: Any) -> str:
        """The rendered text of ``name`` for ``channel``."""
        entry = self._entry(name)
        try:
            return entry.variants.get(channel, entry.text).format(**values).strip()
        except (KeyError, IndexError) as exc:
            raise TemplateError(f"template {name!r}: missing value {exc}") from exc

    def reply(self, name: str, channel: str = "", kind: ReplyKind = ReplyKind.TEXT, **values: Any) -> Reply:
        """A Reply rendered from ``name``, with its buttons."""
        entry = self._entry(name)
        buttons = tuple(Button(title.format(**values), payload) for title, payload in entry.buttons)
        return Reply(self.text(name, channel, **values), buttons, kind, name, dict(values))

    def label(self, group: str, key: str) -> str:
        """A display label (ticket state, tier…), or the key itself when none is defined."""
        return self._labels.get(group, {}).get(key, key)

    def _entry(self, name: str) -> _Template:
        try:
            return self._entries[name]
        except KeyError:
            raise TemplateError(f"no template named {name!r}") from None
