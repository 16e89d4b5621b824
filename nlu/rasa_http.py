"""Interpreter backed by a Rasa server's HTTP API (https://rasa.com/docs/rasa/pages/http-api, POST /model/parse)."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

from nlu.normalizers import normalize
from nlu.signals import signals
from nlu.text.posts import normalise_post
from nlu.types import Entity, IntentScore, Parse

log = logging.getLogger(__name__)

OUT_OF_SCOPE = "out_of_scope"
RASA_FALLBACK = "nlu_fallback"
_ENTITY_NAMES = {"time": "datetime"}  # Duckling's name for what the dialogue calls datetime


class RasaResponseError(ValueError):
    """The server answered something that is not a Rasa parse result."""


class RasaHttpInterpreter:
    """Asks a Rasa server to parse; on timeout, outage or garbage it logs and returns a fallback Parse."""

    def __init__(self, url: str, *, timeout_s: float, threshold: float, ambiguity_margin: float):
        self.url = url.rstrip("/") + "/model/parse"
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.threshold, self.ambiguity_margin = threshold, ambiguity_margin
        self._session: aiohttp.ClientSession | None = None

    async def parse(self, text: str) -> Parse:
        """Interpret ``text`` with the Rasa server; never raises for server trouble."""
        try:
            body = await self._post(text)
            return self._to_parse(text, body)
        except asyncio.TimeoutError:
            return self._failed(text, "timeout", f"no answer within {self.timeout.total}s")
        except aiohttp.ClientError as exc:
            return self._failed(text, "unavailable", f"{type(exc).__name__}: {exc}")
        except RasaResponseError as exc:
            return self._failed(text, "bad_response", str(exc))

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _post(self, text: str) -> Any:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        async with self._session.post(self.url, json={"text": text}) as response:
            raw = (await response.read()).decode("utf-8", errors="replace")
            if response.status != 200:
                raise RasaResponseError(f"HTTP {response.status}: {raw[:200]}")
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise RasaResponseError(f"not JSON: {raw[:200]!r}") from exc

    def _to_parse(self, text: str, body: Any) -> Parse:
        if not isinstance(body, dict) or not isinstance(body.get("intent"), dict):
            raise RasaResponseError(f"no 'intent' object in {str(body)[:200]}")
        ranking = _ranking(body)
        top = next((s for s in ranking if s.name != RASA_FALLBACK), None)
        if top is None:
            return Parse(text, OUT_OF_SCOPE, 0.0, (), _entities(text, body), True, {"reason": "no_intent"})
        rest = [s.confidence for s in ranking if s.name not in (RASA_FALLBACK, top.name)]
        margin = top.confidence - (rest[0] if rest else 0.0)
        fallback = (body["intent"].get("name") == RASA_FALLBACK or top.confidence < self.threshold
                    or margin < self.ambiguity_margin)
        kept = tuple(s for s in ranking if s.name != RASA_FALLBACK)
        return Parse(text, top.name, top.confidence, kept, _entities(text, body), fallback,
                     flags=signals(normalise_post(text)))

    def _failed(self, text: str, reason: str, detail: str) -> Parse:
        log.error("nlu.rasa.%s url=%s detail=%s", reason, self.url, detail)
        return Parse(text, OUT_OF_SCOPE, 0.0, (), (), True, {"reason": f"rasa_{reason}", "error": detail})


def _score(item: Any) -> IntentScore | None:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        return None
    confidence = item.get("confidence")
    if not isinstance(confidence, (int, float)) or isinstance(confidence, bool):
        raise RasaResponseError(f"intent {item['name']!r} has no numeric confidence")
    return IntentScore(item["name"], float(confidence))


def _ranking(body: dict) -> list[IntentScore]:
    items = body.get("intent_ranking")
    scores = [_score(i) for i in items] if isinstance(items, list) else []
    scores = [s for s in scores if s is not None]
    head = _score(body["intent"])
    if head is not None and all(s.name != head.name for s in scores):
        scores.append(head)
    return sorted(scores, key=lambda s: -s.confidence)


def _entities(text: str, body: dict) -> tuple[Entity, ...]:
    found = []
    for item in body.get("entities") or []:
        if not isinstance(item, dict) or not isinstance(item.get("entity"), str):
            continue
        start, end = item.get("start"), item.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end <= len(text):
            continue
        name = _ENTITY_NAMES.get(item["entity"], item["entity"])
        value = item.get("value")
        if isinstance(value, dict):  # Duckling intervals: {"from": ..., "to": ...}
            value = value.get("from") or value.get("to")
        raw = text[start:end]
        value = normalize(name, str(value if value is not None else raw))
        confidence = item.get("confidence_entity", item.get("confidence", 1.0))
        confidence = float(confidence) if isinstance(confidence, (int, float)) else 1.0
        found.append(Entity(name, value, start, end, raw, str(item.get("extractor", "rasa")), confidence))
    return tuple(found)
