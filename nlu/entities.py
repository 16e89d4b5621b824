"""Entity extraction: the data's regexes and lookup tables, the learned tagger, synonyms, normalisers, datetimes."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from nlu.normalizers import normalize
from nlu.tagger import SpanTagger
from nlu.training_data import TrainingData
from nlu.types import Entity
from nlu.zh_datetime import find_datetimes

# The tagger learns from messages up to this long and from every example that holds a span: long posts without
# one only added noise (a new batch of posts lost the address of 宽带不通 江门市蓬江区建设路8号) and training time.
TAGGER_CHARS = 40
# Higher wins when two candidates overlap; then the longer one.
_PRIORITY = {"regex": 4, "datetime": 3, "tagger": 2, "lookup": 1}


def _fold(text: str) -> str:
    """Lower-case without changing the length (offsets stay valid)."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@dataclass
class EntityExtractor:
    """Applies regexes, lookup entries (longest match first) and the tagger; maps values through synonyms."""

    regexes: dict[str, list[str]]
    gazetteer: dict[str, str]
    synonyms: dict[str, str]
    tagger: SpanTagger | None = None

    def __post_init__(self) -> None:
        self._patterns = [(name, re.compile(p, re.IGNORECASE)) for name, ps in self.regexes.items() for p in ps]
        self._folded_synonyms = {_fold(k): v for k, v in self.synonyms.items()}
        # Entry lengths by first character, longest first: most positions start no entry and cost one lookup.
        lengths: dict[str, set[int]] = {}
        for key in self.gazetteer:
            lengths.setdefault(key[:1], set()).add(len(key))
        self._lengths = {first: sorted(found, reverse=True) for first, found in lengths.items()}

    @classmethod
    def from_data(cls, data: TrainingData, seed: int) -> "EntityExtractor":
        """Gazetteer = lookup tables, annotated spans (of entities without regex) and synonym variants."""
        gazetteer: dict[str, str] = {}
        for name, entries in data.lookups.items():
            gazetteer.update({_fold(e): name for e in entries})
        by_rule = set(data.regexes) | {"datetime"}
        for example in data.examples:
            gazetteer.update({_fold(e.text): e.entity for e in example.entities if e.entity not in by_rule})
        for variant, canonical in data.synonyms.items():
            if _fold(canonical) in gazetteer:
                gazetteer.setdefault(_fold(variant), gazetteer[_fold(canonical)])
        learned = learned_entities(data)
        taught = [(e.text, e.entities) for e in data.examples
                  if len(e.text) <= TAGGER_CHARS or any(span.entity in learned for span in e.entities)]
        tagger = SpanTagger.train(taught, learned, seed) if learned else None
        return cls(data.regexes, gazetteer, data.synonyms, tagger)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state for the model artefact."""
        tagger = self.tagger.to_dict() if self.tagger else None
        return {"regexes": self.regexes, "gazetteer": self.gazetteer, "synonyms": self.synonyms, "tagger": tagger}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> "EntityExtractor":
        """Rebuild from to_dict() output."""
        tagger = SpanTagger(**state["tagger"]) if state.get("tagger") else None
        return cls(state["regexes"], state["gazetteer"], state["synonyms"], tagger)

    def extract(self, text: str, now: datetime) -> list[Entity]:
        """All entities of ``text`` (already cleaned), overlaps resolved."""
        looked_up = self._lookup(text)
        candidates = self._regex(text) + looked_up + self._datetimes(text, now)
        if self.tagger is not None:
            candidates += [replace(e, value=self.value_of(e.entity, e.value)) for e in self.tagger.tag(text)
                           if not explained(e, looked_up)]
        return resolve_overlaps(candidates)

    def value_of(self, entity: str, raw: str) -> str:
        """Synonym-mapped, normalised value of a span."""
        return normalize(entity, self._folded_synonyms.get(_fold(raw.strip()), raw))

    def _regex(self, text: str) -> list[Entity]:
        found = []
        for name, pattern in self._patterns:
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    found.append(Entity(name, self.value_of(name, m.group()), m.start(), m.end(), m.group(), "regex"))
        return found

    def _lookup(self, text: str) -> list[Entity]:
        folded, found, i = _fold(text), [], 0
        while i < len(text):
            for length in self._lengths.get(folded[i], ()):
                name = self.gazetteer.get(folded[i:i + length]) if i + length <= len(text) else None
                if name and self._bounded(folded, i, i + length):
                    span = text[i:i + length]
                    found.append(Entity(name, self.value_of(name, span), i, i + length, span, "lookup"))
                    i += length - 1
                    break
            i += 1
        return found

    @staticmethod
    def _bounded(text: str, start: int, end: int) -> bool:
        """ASCII entries (IDC, 5G) must not be glued to other ASCII letters or digits."""
        left = _is_word_char(text[start]) and start > 0 and _is_word_char(text[start - 1])
        right = _is_word_char(text[end - 1]) and end < len(text) and _is_word_char(text[end])
        return not (left or right)

    @staticmethod
    def _datetimes(text: str, now: datetime) -> list[Entity]:
        return [Entity("datetime", m.value.isoformat(), m.start, m.end, m.text, "datetime")
                for m in find_datetimes(text, now)]


def learned_entities(data: TrainingData) -> set[str]:
    """Annotated entities that no regex, lookup, synonym or datetime rule covers: the tagger learns these."""
    annotated = {e for example in data.examples for e in example.entities}
    mapped = {e.entity for e in annotated if e.text in data.synonyms or e.value != e.text}
    return {e.entity for e in annotated} - set(data.regexes) - set(data.lookups) - mapped - {"datetime"}


def explained(span: Entity, looked_up: list[Entity]) -> bool:
    """A tagged span made only of lookup entries (天河区, 广州市天河区) is those entries, not a free-text address."""
    inside = sum(e.end - e.start for e in looked_up if span.start <= e.start and e.end <= span.end)
    return inside == span.end - span.start


def resolve_overlaps(candidates: list[Entity]) -> list[Entity]:
    """Keep the best of overlapping candidates (extractor priority, then length), in text order."""
    ranked = sorted(candidates, key=lambda e: (-_PRIORITY.get(e.extractor, 0), -(e.end - e.start), e.start))
    kept: list[Entity] = []
    for entity in ranked:
        if all(entity.end <= k.start or k.end <= entity.start for k in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: e.start)
