"""Outbox notifications rendered from templates, and survey answers through the engine with the real local desk."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from backend_client import Actor, Notification, Reporter, TicketStatus
from dialogue.engine import Engine
from dialogue.notifications import render_notification
from dialogue.store import InMemoryConversationStore
from dialogue.templates import Templates
from dialogue.types import InboundMessage
from nlu.payload import parse_payload
from tests.backend.helpers import STAFF, incident
from tests.fakes import KeywordInterpreter

ZONE = ZoneInfo("Asia/Shanghai")


def note(kind: str, **payload) -> Notification:
    return Notification(1, kind, "wechat", "o1", None, payload, 1, datetime(2026, 11, 23, tzinfo=timezone.utc))


def test_resolution_has_the_note_and_a_survey_whose_buttons_rate_one_to_five():
    text, survey = render_notification(Templates.load(), note("ticket_resolved", ticket="GD202611230001",
                                                              note="已更换光模块", survey=True), ZONE)
    assert "GD202611230001" in text.text and "已更换光模块" in text.text
    ratings = [parse_payload(b.payload) for b in survey.buttons]
    assert [(p.intent, p.first("rating")) for p in ratings] == [("rate_service", str(n)) for n in range(1, 6)]


def test_notice_shows_title_text_and_window_in_local_time():
    [reply] = render_notification(Templates.load(), note(
        "notice", title="天河区光缆割接", text="期间专线可能中断", starts_at="2026-11-24T16:00:00+00:00",
        ends_at="2026-11-24T20:00:00+00:00"), ZONE)
    assert "天河区光缆割接" in reply.text and "期间专线可能中断" in reply.text
    assert "11月25日 00:00" in reply.text and "11月25日 04:00" in reply.text


def test_other_kinds_name_the_ticket_or_stay_generic():
    templates = Templates.load()
    assert render_notification(templates, note("ticket_updated", ticket="GD1"), ZONE)[0].template == \
        "notify_ticket_update"
    assert render_notification(templates, note("something_new"), ZONE)[0].template == "notify_generic"


@pytest.fixture
def engine(desk) -> Engine:
    return Engine(KeywordInterpreter(), InMemoryConversationStore(ttl_s=3600), desk, Templates.load())


async def say(engine: Engine, text: str, user: str = "u1"):
    message = InboundMessage(channel="app", user_id=user, conversation_id=f"app:{user}", text=text)
    return [r.template for r in await engine.handle(message)]


async def test_a_rating_answers_the_pending_survey_once(engine, desk):
    ticket = (await desk.open_ticket(incident("rate", user="u1"))).ticket
    await desk.transition(ticket.number, TicketStatus.RESOLVED, STAFF, note="ok")
    assert await say(engine, '/rate_service{"rating": "2"}') == ["survey_thanks_low"]
    assert await desk.pending_survey(Actor.customer(Reporter("app", "u1"), None)) is None
    assert await say(engine, '/rate_service{"rating": "5"}') == ["survey_none"]


async def test_a_bare_digit_rates_only_while_a_survey_is_pending(engine, desk):
    assert await say(engine, "4", user="u2") == ["fallback"]
    ticket = (await desk.open_ticket(incident("rate2", user="u2"))).ticket
    await desk.transition(ticket.number, TicketStatus.RESOLVED, STAFF, note="ok")
    assert await say(engine, "4", user="u2") == ["survey_thanks"]
