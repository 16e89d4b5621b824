"""What the NLU tells the dialogue about one message: intent, ranking, entities."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entity:
    """One extracted entity; ``value`` is normalised (synonym resolved, datetime as ISO 8601)."""

    entity: str
    value: str
    start: int
    end: int
    text: str
    extractor: str = "regex"
    confidence: float = 1.0


@dataclass(frozen=True)
class IntentScore:
    """One intent and its calibrated probability."""

    name: str
    confidence: float


@dataclass(frozen=True)
class Parse:
    """The interpretation of one message; ``fallback`` is set when the dialogue should not trust it.

    ``flags`` are secondary signals read beside the intent (``complaint``, ``urgent``, ``repeat_failure``,
    ``negative``): a fault report that is also a complaint keeps intent report_fault and carries ``complaint``.
    """

    text: str
    intent: str
    confidence: float
    ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = ()
    fallback: bool = False
    extras: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    def values(self, entity: str) -> list[str]:
        """All normalised values found for ``entity``, in text order."""
        return [e.value for e in sorted(self.entities, key=lambda e: e.start) if e.entity == entity]

    def first(self, entity: str) -> str | None:
        """The first value of ``entity`` or None."""
        found = self.values(entity)
        return found[0] if found else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, shaped like Rasa's parse result."""
        return {
            "text": self.text,
            "intent": {"name": self.intent, "confidence": self.confidence},
            "intent_ranking": [asdict(s) for s in self.ranking],
            "entities": [asdict(e) for e in self.entities],
            "fallback": self.fallback,
            "flags": list(self.flags),
        }
