"""The Rasa-server interpreter against a local aiohttp server answering like Rasa's POST /model/parse."""
from __future__ import annotations

import asyncio
import json
import socket
from typing import Any, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nlu.rasa_http import RasaHttpInterpreter

# Shape documented for Rasa 3.x (HTTP API, "Parse a message using the Rasa model").
RASA_ANSWER = {
    "text": "我们的专线断了 明天下午三点来",
    "intent": {"name": "report_fault", "confidence": 0.91},
    "entities": [
        {"entity": "service_type", "start": 3, "end": 5, "value": "专线", "extractor": "DIETClassifier",
         "confidence_entity": 0.98, "processors": ["EntitySynonymMapper"]},
        {"entity": "time", "start": 8, "end": 14, "value": "2026-11-24T15:00:00.000+08:00",
         "extractor": "DucklingEntityExtractor", "additional_info": {"grain": "hour"}},
        {"entity": "circuit_id", "start": 99, "end": 120, "value": "out of range"},
    ],
    "intent_ranking": [
        {"name": "report_fault", "confidence": 0.91},
        {"name": "book_appointment", "confidence": 0.07},
        {"name": "greet", "confidence": 0.02},
    ],
    "text_tokens": [[0, 2], [2, 3]],
}

Handler = Callable[[web.Request], Any]


async def serve(handler: Handler) -> TestServer:
    app = web.Application()
    app.router.add_post("/model/parse", handler)
    server = TestServer(app)
    await server.start_server()
    return server


def answering(body: Any, status: int = 200, delay: float = 0.0, raw: bytes | None = None) -> Handler:
    seen: list[dict] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(await request.json())
        await asyncio.sleep(delay)
        payload = raw if raw is not None else json.dumps(body).encode()
        return web.Response(body=payload, status=status, content_type="application/json")

    handler.seen = seen  # type: ignore[attr-defined]
    return handler


async def interpret(handler: Handler, text: str, **kwargs: float) -> Any:
    server = await serve(handler)
    options = {"timeout_s": 2.0, "threshold": 0.45, "ambiguity_margin": 0.1, **kwargs}
    interpreter = RasaHttpInterpreter(str(server.make_url("/")), **options)
    try:
        return await interpreter.parse(text)
    finally:
        await interpreter.close()
        await server.close()


async def test_documented_answer_maps_to_parse():
    handler = answering(RASA_ANSWER)
    parse = await interpret(handler, RASA_ANSWER["text"])
    assert handler.seen == [{"text": RASA_ANSWER["text"]}]
    assert (parse.intent, parse.confidence, parse.fallback) == ("report_fault", 0.91, False)
    assert [s.name for s in parse.ranking] == ["report_fault", "book_appointment", "greet"]
    assert parse.first("service_type") == "专线"
    assert parse.first("datetime") == "2026-11-24T15:00:00.000+08:00"
    assert parse.entities[0].text == "专线" and parse.entities[0].confidence == 0.98
    assert parse.first("circuit_id") is None  # offsets outside the text are dropped


async def test_rasa_fallback_intent_becomes_fallback_on_the_real_top_intent():
    body = {"text": "嗯", "intent": {"name": "nlu_fallback", "confidence": 0.3},
            "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "affirm", "confidence": 0.28},
                               {"name": "deny", "confidence": 0.2}], "entities": []}
    parse = await interpret(answering(body), "嗯")
    assert (parse.intent, parse.fallback) == ("affirm", True)
    assert "nlu_fallback" not in [s.name for s in parse.ranking]


async def test_own_threshold_and_margin_apply():
    parse = await interpret(answering(RASA_ANSWER), RASA_ANSWER["text"], threshold=0.95)
    assert parse.intent == "report_fault" and parse.fallback
    close = {**RASA_ANSWER, "intent_ranking": [{"name": "report_fault", "confidence": 0.5},
                                                {"name": "complaint", "confidence": 0.45}],
             "intent": {"name": "report_fault", "confidence": 0.5}}
    assert (await interpret(answering(close), "x")).fallback


@pytest.mark.parametrize("handler, reason", [
    (answering(None, raw=b"<html>502 Bad Gateway</html>"), "rasa_bad_response"),
    (answering(None, raw=b"\xff\xfe\x00garbage"), "rasa_bad_response"),
    (answering({"unexpected": True}), "rasa_bad_response"),
    (answering({"intent": {"name": "greet", "confidence": "high"}}), "rasa_bad_response"),
    (answering({"error": "no model"}, status=500), "rasa_bad_response"),
    (answering(RASA_ANSWER, delay=5.0), "rasa_timeout"),
])
async def test_trouble_gives_a_logged_fallback_parse(handler: Handler, reason: str, caplog: pytest.LogCaptureFixture):
    parse = await interpret(handler, "专线断了", timeout_s=0.3)
    assert (parse.intent, parse.fallback, parse.confidence) == ("out_of_scope", True, 0.0)
    assert parse.extras["reason"] == reason
    assert any(r.levelname == "ERROR" and r.name == "nlu.rasa_http" for r in caplog.records)


async def test_server_down_gives_a_fallback_parse():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    interpreter = RasaHttpInterpreter(f"http://127.0.0.1:{port}", timeout_s=1.0, threshold=0.45, ambiguity_margin=0.1)
    try:
        parse = await interpreter.parse("你好")
    finally:
        await interpreter.close()
    assert parse.fallback and parse.extras["reason"] == "rasa_unavailable"


async def test_intent_without_ranking_still_parses():
    parse = await interpret(answering({"text": "hi", "intent": {"name": "greet", "confidence": 0.99}}), "hi")
    assert parse.intent == "greet" and [s.name for s in parse.ranking] == ["greet"] and parse.entities == ()


async def test_a_rasa_parse_carries_the_same_flags_as_the_builtin_one():
    text = "专线又断了！！这礼拜第三次，再不修好我就投诉"
    parse = await interpret(answering({**RASA_ANSWER, "text": text}), text)
    assert parse.intent == "report_fault"
    assert {"complaint", "repeat_failure", "negative"} <= set(parse.flags)
