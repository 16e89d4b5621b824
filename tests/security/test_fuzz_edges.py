"""Property-based fuzzing of every parser at the edge: whatever arrives, the answer is a named refusal (4xx, or the
parser's own error type), never a crash, a 500, or a stored record (issue 12).

Bounded for the suite: a few dozen examples per property, no deadline (2 shared cores).
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import yaml
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings, strategies as st

from backend_client.json_input import JsonInputError, loads
from bot.app import create_app
from bot.config import load_config
from bot.errors import ConfigError
from channels.app.rest import RequestError, parse_body
from nlu.training_data import NluDataError, load_yaml
from servicedesk.kb import KbFormatError
from servicedesk.kb.loaders import load_file
from tests.api.conftest import as_agent, as_bot, auth, token_env

FEW = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
SOME = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "\ud800", "\udfff", "]]>", "' OR 1=1 --", "<script>", "${jndi:x}", "专线断了" * 50,
                     "9" * 30, "-1", "1e999", "NaN", "0001-01-01T00:00:00+14:00", "2026-12-04T08:00:00"]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
                    st.floats(allow_nan=True, allow_infinity=True), hostile_text)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(hostile_text, inner, max_size=4)),
                           max_leaves=12)


def body_for(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects that use the target's field names (so they get past 'unknown field') with hostile values."""
    return st.dictionaries(st.one_of(st.sampled_from(fields), hostile_text), json_values, max_size=len(fields) + 1)


def encoded(value: Any) -> bytes:
    """JSON text the way a hostile client writes it: lone surrogates and NaN pass through unescaped."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


@SOME
@given(raw=st.one_of(st.binary(max_size=200), json_values.map(encoded),
                     st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n)))
def test_the_json_guard_refuses_with_its_own_error_only(raw):
    try:
        value = loads(raw)
    except JsonInputError:
        return
    json.dumps(value).encode("utf-8")  # what it lets through is storable text and finite numbers


@SOME
@given(raw=st.one_of(st.binary(max_size=200), body_for(["sender", "message", "metadata"]).map(encoded)))
def test_the_rest_webhook_parser_refuses_with_request_error_only(raw):
    try:
        sender, message, metadata = parse_body(raw, 2000)
    except RequestError:
        return
    assert sender.strip() and message.strip() and isinstance(metadata, dict)


class LiveApi:
    """The real app on its own loop, so hypothesis (synchronous) can drive it example by example."""

    def __init__(self, config: Any) -> None:
        self.loop = asyncio.new_event_loop()

        async def start() -> TestClient:
            client = TestClient(TestServer(create_app(config)))
            await client.start_server()
            return client

        self.client = self.loop.run_until_complete(start())

    def send(self, method: str, path: str, raw: bytes | None = None, headers: dict[str, str] | None = None) -> int:
        async def call() -> int:
            async with self.client.request(method, path, data=raw, headers=headers) as response:
                await response.read()
                return response.status
        return self.loop.run_until_complete(call())

    def stored(self) -> tuple[int, int]:
        """(tickets, articles) the desk holds."""
        async def count() -> tuple[int, int]:
            async with self.client.get("/api/v1/tickets", headers=as_agent()) as response:
                tickets = (await response.json())["total"]
            async with self.client.get("/api/v1/kb/articles", headers=as_agent()) as response:
                return tickets, len((await response.json())["items"])
        return self.loop.run_until_complete(count())

    def close(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.close()


TICKET_FIELDS = ["kind", "summary", "description", "urgency", "customer_id", "contact_id", "contact_phone",
                 "service_type", "circuit_id", "address", "region"]
ENDPOINTS = [
    ("POST", "/api/v1/tickets", TICKET_FIELDS, as_bot),
    ("POST", "/api/v1/kb/search", ["query", "limit"], as_bot),
    ("POST", "/api/v1/kb/feedback", ["article", "query", "solved"], as_bot),
    ("POST", "/api/v1/verifications", ["channel", "user_id", "customer_code", "mobile"], lambda **h: auth("bot", **h)),
    ("POST", "/api/v1/notices", ["kind", "title", "text", "scope", "starts_at", "ends_at", "problem"], as_agent),
    ("POST", "/api/v1/kb/articles", ["articles", "retire_missing"], as_agent),
]


def test_api_bodies_and_query_strings_never_cost_a_5xx_or_a_stored_record(app_config):
    live = LiveApi(app_config(**token_env()))
    try:
        held = {"stored": live.stored()}

        @FEW
        @given(endpoint=st.sampled_from(ENDPOINTS), data=st.data())
        def bodies(endpoint, data):
            method, path, fields, headers = endpoint
            raw = data.draw(st.one_of(body_for(fields).map(encoded), st.binary(max_size=100)))
            status = live.send(method, path, raw, headers(**{"Idempotency-Key": "fuzz"}))
            assert status < 500, (path, raw[:200])
            now = live.stored()
            if status >= 400:
                assert now == held["stored"], (path, raw[:200])  # a refused request stored nothing
            held["stored"] = now

        @FEW
        @given(path=st.sampled_from(["/api/v1/tickets", "/api/v1/notices", "/api/v1/kb/gaps", "/api/v1/kb/articles"]),
               query=st.dictionaries(st.sampled_from(["limit", "offset", "status", "customer_id", "region", "at",
                                                      "circuit_id", "days"]), hostile_text, max_size=4))
        def queries(path, query):
            from urllib.parse import quote
            text = "&".join(f"{k}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in query.items())
            assert live.send("GET", f"{path}?{text}", headers=as_agent()) < 500

        bodies()
        queries()
    finally:
        live.close()


config_keys = st.sampled_from(["server", "storage", "redis", "api", "servicedesk", "channels", "jobs", "kb",
                               "dialogue", "nlu", "logging", "timezone", "port", "url", "tokens", "otp"])
config_values = st.recursive(st.one_of(scalars.filter(lambda v: not isinstance(v, float)), st.just("\ud800")),
                             lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(config_keys, inner, max_size=3)),
                             max_leaves=8)


@FEW
@given(data=st.dictionaries(config_keys, config_values, max_size=4))
def test_a_config_file_is_valid_or_refused_with_config_error(tmp_path_factory, data):
    path = Path(tmp_path_factory.mktemp("cfg")) / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=False), encoding="utf-8")
    try:
        load_config(path, {})
    except ConfigError:
        pass


nlu_docs = st.one_of(
    st.text(max_size=200),
    st.dictionaries(st.sampled_from(["version", "nlu", "intent", "examples", "synonym", "regex", "lookup"]),
                    config_values, max_size=3).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.lists(st.text(max_size=20), max_size=4).map(
        lambda lines: "version: '3.1'\nnlu:\n- intent: x\n  examples: |\n" + "".join(f"    - {s}\n" for s in lines)),
)


@FEW
@given(text=nlu_docs)
def test_rasa_training_data_loads_or_names_the_line(tmp_path_factory, text):
    path = Path(tmp_path_factory.mktemp("nlu")) / "data.yml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_yaml(path)
    except NluDataError:
        pass


@FEW
@given(suffix=st.sampled_from([".md", ".yml", ".csv"]), text=st.one_of(
    st.text(max_size=300),
    body_for(["key", "title", "short_answer", "body", "questions", "tiers", "status", "review_date"]).map(
        lambda d: "---\n" + yaml.safe_dump(d, allow_unicode=True) + "---\n正文")))
def test_kb_files_import_or_name_the_problem(tmp_path_factory, suffix, text):
    path = Path(tmp_path_factory.mktemp("kb")) / f"article{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_file(path)
    except KbFormatError:
        pass
