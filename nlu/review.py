"""The NLU review loop: finds turns the bot misread in saved conversations, and reads labels an operator confirmed."""
from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable, Iterable

from nlu.training_data import Example, NluDataError, TrainingData, load_yaml
from nlu.types import Parse

# The dialogue's reply templates that mean "did not understand" and "handed to an agent".
FALLBACK_TEMPLATES = frozenset({"fallback", "unsupported", "form_not_understood", "kb_abstain"})
HANDOFF_TEMPLATES = frozenset({"handoff_queued"})
RETRACTING_INTENTS = frozenset({"cancel", "deny"})
# What customers say when the answer missed: 没解决, 不对, 不是这个意思, 答非所问, 听不懂…
_MISSED = re.compile(r"没(?:有)?解决|不对|不是这个|不是我要|不是我问|答非所问|听不懂|看不懂我|牛头不对马嘴|什么鬼|没用")
SKIP_LABELS = frozenset({"", "skip", "?", "-"})


@dataclass(frozen=True)
class ReviewItem:
    """One user message worth a second look, with its context; ``label`` is for the operator to fill in."""

    conversation_id: str
    channel: str
    at: str
    reason: str
    text: str
    predicted: str
    confidence: float
    margin: float
    previous: str
    bot_reply: str
    next: str
    label: str = ""


def _turn_missed(turn: dict[str, Any]) -> bool:
    return bool(FALLBACK_TEMPLATES & set(turn.get("templates") or ()))


def _reasons(turn: dict[str, Any], after: dict[str, Any] | None, parse: Parse | None, threshold: float,
             margin: float) -> list[str]:
    """Why ``turn`` (followed by ``after``) deserves review, most telling first."""
    reasons = []
    if _turn_missed(turn):
        reasons.append("fallback")
    confidence = turn.get("confidence")
    if confidence is not None and confidence < threshold and "fallback" not in reasons:
        reasons.append("low_confidence")
    if parse is not None and len(parse.ranking) > 1 and parse.ranking[0].confidence - parse.ranking[1].confidence < margin:
        reasons.append("low_margin")
    if after is not None:
        if after.get("intent") in RETRACTING_INTENTS or _MISSED.search(after.get("user") or ""):
            reasons.append("retracted_after")
        if HANDOFF_TEMPLATES & set(after.get("templates") or ()) and reasons:
            reasons.append("handoff_after")
    return reasons


def review_items(conversation: dict[str, Any], parse: Callable[[str], Parse | None], *, threshold: float,
                 margin: float) -> list[ReviewItem]:
    """The turns of one saved conversation (``Conversation.to_dict()`` shape) the bot may have misread."""
    history = [t for t in conversation.get("history") or [] if isinstance(t, dict) and (t.get("user") or "").strip()]
    found = []
    for i, turn in enumerate(history):
        after = history[i + 1] if i + 1 < len(history) else None
        text = turn["user"].strip()
        if text.startswith("/"):
            continue  # a button payload, not words
        parsed = parse(text)
        reasons = _reasons(turn, after, parsed, threshold, margin)
        if not reasons:
            continue
        top = parsed.ranking if parsed is not None else ()
        found.append(ReviewItem(
            conversation_id=str(conversation.get("id", "")), channel=str(conversation.get("channel", "")),
            at=str(turn.get("at", "")), reason="+".join(reasons), text=text,
            predicted=str(turn.get("intent") or ""), confidence=float(turn.get("confidence") or 0.0),
            margin=round(top[0].confidence - top[1].confidence, 4) if len(top) > 1 else 1.0,
            previous=history[i - 1]["user"] if i else "", bot_reply=" / ".join(turn.get("replies") or [])[:300],
            next=after["user"] if after else ""))
    return found


def write_csv(items: Iterable[ReviewItem], path: Path) -> int:
    """Write the labelling file (UTF-8 with BOM so spreadsheet programs read the Chinese); returns the rows."""
    names = [f.name for f in fields(ReviewItem)]
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=names)
        writer.writeheader()
        for item in items:
            writer.writerow(asdict(item))
            count += 1
    return count


def read_labels(path: Path, intents: Iterable[str]) -> list[Example]:
    """The rows an operator labelled; an unknown intent is an error naming the row, skip/blank rows are ignored."""
    known = set(intents)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
            raise NluDataError(path, 1, "the labelling file needs 'text' and 'label' columns")
        labelled = []
        for line, row in enumerate(reader, start=2):
            label, text = (row.get("label") or "").strip(), _escaped(" ".join((row.get("text") or "").split()))
            if label.lower() in SKIP_LABELS or not text:
                continue
            if label not in known:
                raise NluDataError(path, line, f"label {label!r} is not an intent of the model")
            labelled.append(Example(text, label))
    return labelled


def merge_into(path: Path, labelled: list[Example], existing: TrainingData) -> list[Example]:
    """Add the labelled examples that are new (not already training data) to the Rasa YAML file ``path``."""
    seen = {e.text for e in existing.examples}
    kept = load_yaml(path).examples if path.is_file() else []
    seen |= {e.text for e in kept}
    added = []
    for example in labelled:
        if example.text not in seen:
            seen.add(example.text)
            added.append(example)
    if added:
        path.write_text(to_yaml(kept + added), encoding="utf-8")
    return added


def _escaped(text: str) -> str:
    """Square brackets would read as entity markup: they become their full-width forms (cleaning folds them back)."""
    return text.replace("[", "［").replace("]", "］")


def to_yaml(examples: list[Example]) -> str:
    """Rasa 3.x NLU YAML of ``examples``, grouped by intent (annotated entities are not kept)."""
    lines = ['version: "3.1"', "# Examples confirmed in `frontdoor nlu review`; merged by --import.", "nlu:"]
    for intent in sorted({e.intent for e in examples}):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {e.text}" for e in examples if e.intent == intent]
    return "\n".join(lines) + "\n"
