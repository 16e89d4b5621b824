"""The knowledge base in the dialogue: answer, suggest, abstain, feedback, voice, outage notices first."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend_client import SYSTEM, Actor, NewNotice, Role, Scope
from backend_client.local.knowledge import seed_articles
from dialogue.engine import Engine
from dialogue.store import InMemoryConversationStore
from dialogue.templates import Templates
from nlu.payload import parse_payload
from tests.dialogue.test_engine import say, templates
from tests.fakes import KeywordInterpreter

STAFF = Actor(Role.AGENT, "agent-1", "desk")


@pytest.fixture
async def engine(desk) -> Engine:
    await seed_articles(desk._engine)
    return Engine(KeywordInterpreter(), InMemoryConversationStore(ttl_s=3600), desk, Templates.load())


async def test_a_clear_question_gets_the_short_answer_and_feedback_buttons(engine, desk):
    [reply] = await say(engine, "光猫LOS灯红色闪烁怎么办")
    assert reply.template == "kb_answer" and reply.data["article"] == "ont-los-red"
    assert [b.title for b in reply.buttons] == ["解决了", "没解决"]
    feedback = parse_payload(reply.buttons[1].payload)
    assert feedback.intent == "kb_feedback" and feedback.first("solved") == "no"
    assert feedback.first("q") == "光猫los灯红色闪烁怎么办"  # the cleaned query


async def test_unsolved_is_stored_as_a_gap_and_offers_a_ticket_or_an_agent(engine, desk):
    await say(engine, "光猫LOS灯红色闪烁怎么办")
    [reply] = await say(engine, "2")  # the second button: 没解决
    assert reply.template == "kb_unsolved"
    assert [b.payload for b in reply.buttons] == ["/report_fault", "/request_human"]
    assert [g.query for g in await desk.kb_gaps(SYSTEM)] == ["光猫los灯红色闪烁怎么办"]
    assert templates(await say(engine, "1")) == ["ask_service_type"]  # 提交工单 starts the fault report


async def test_solved_thanks_and_leaves_no_gap(engine, desk):
    await say(engine, "光猫LOS灯红色闪烁怎么办")
    assert templates(await say(engine, "1")) == ["kb_solved"]
    assert await desk.kb_gaps(SYSTEM) == []


async def test_voice_gets_the_voice_answer(engine):
    [reply] = await say(engine, "光猫LOS灯红色闪烁怎么办", channel="voice")
    assert reply.template == "kb_answer" and reply.text.endswith("请问解决了您的问题吗？")
    assert "\n" not in reply.text


async def test_a_vague_question_offers_up_to_three_titles_and_a_choice_answers(engine):
    [reply] = await say(engine, "兆比特和兆字节啥区别")
    assert reply.template == "kb_suggest" and len(reply.buttons) == 3
    assert reply.buttons[0].title == "带宽与下载速度的换算"
    chosen = await say(engine, "1")
    assert chosen[0].template == "kb_answer" and chosen[0].data["article"] == "bandwidth-vs-speed"


async def test_nothing_found_asks_to_rephrase_and_records_a_gap(engine, desk):
    assert templates(await say(engine, "食堂今天吃什么菜")) == ["fallback"]
    assert [g.query for g in await desk.kb_gaps(SYSTEM)] == ["食堂今天吃什么菜"]


async def test_an_faq_question_the_kb_cannot_answer_says_so(engine):
    [reply] = await say(engine, "/ask_faq")
    assert reply.template == "kb_abstain" and [b.payload for b in reply.buttons][-1] == "/request_human"


async def test_a_notice_for_the_bound_account_comes_before_articles(engine, desk):
    now = datetime.now(timezone.utc)
    notice = await desk.create_notice(NewNotice("outage", "天河区专线中断", "天河北路光缆故障，正在抢修。",
                                                Scope(regions=("广州市",), service_types=("专线",)),
                                                now - timedelta(hours=1), now + timedelta(hours=4)), STAFF)
    await desk.publish_notice(notice.number, STAFF)
    [bound] = await say(engine, "/query_outage", user="demo-bound")
    assert bound.template == "kb_outage_notice" and "天河北路光缆故障" in bound.text
    [unbound] = await say(engine, "/query_outage", user="stranger")
    assert unbound.template != "kb_outage_notice"


class DeskWithoutKb:
    """A desk without the knowledge-base calls, like the HTTP desk today."""

    def __init__(self, desk) -> None:
        self._desk = desk

    def __getattr__(self, name: str):
        if name in ("search_kb", "kb_article", "kb_feedback"):
            raise AttributeError(name)
        return getattr(self._desk, name)


async def test_a_desk_without_the_knowledge_base_keeps_the_old_replies(desk):
    engine = Engine(KeywordInterpreter(), InMemoryConversationStore(ttl_s=3600), DeskWithoutKb(desk), Templates.load())
    assert templates(await say(engine, "光猫LOS灯红色闪烁怎么办")) == ["fallback"]
    assert templates(await say(engine, "/ask_faq")) == ["unsupported"]
