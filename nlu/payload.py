"""Button payloads in Rasa's syntax (``/intent{"entity": "value"}``), written and read without a model."""
from __future__ import annotations

import json
import re

from nlu.types import Entity, IntentScore, Parse

_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][\w]*)(?P<entities>\{.*\})?$", re.DOTALL)


def parse_payload(text: str) -> Parse | None:
    """A certain Parse for a button payload, or None when ``text`` is not one."""
    match = _PAYLOAD.match(text.strip())
    if match is None:
        return None
    entities: tuple[Entity, ...] = ()
    if match["entities"]:
        try:
            values = json.loads(match["entities"])
        except ValueError:
            return None
        if not isinstance(values, dict):
            return None
        entities = tuple(Entity(str(k), str(v), 0, len(text), str(v), "payload") for k, v in values.items())
    intent = match["intent"]
    return Parse(text, intent, 1.0, (IntentScore(intent, 1.0),), entities)


def encode_payload(intent: str, **entities: str) -> str:
    """The payload ``parse_payload`` reads back: ``/intent`` or ``/intent{"entity": "value"}``."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"
