"""A turn that writes nothing asks the database nothing: bindings and the KB index in memory, gaps written later."""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import event

from backend_client import SYSTEM
from bot.components import open_components, open_desk
from dialogue.conversation import Conversation, FlowState, Turn
from dialogue.types import InboundMessage


def sql_log(components) -> list[str]:
    statements: list[str] = []
    event.listen(components.db.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    return statements


async def say(components, user: str, text: str) -> list[str]:
    message = InboundMessage(channel="app", user_id=user, conversation_id=f"app:{user}", text=text)
    return [reply.template for reply in await components.engine.handle(message)]


FROM_KB = {"kb_answer", "kb_suggest"}
"""Replies read from the knowledge base (answered, or its closest articles offered)."""


async def test_greetings_and_how_to_questions_cost_no_database_round_trip(app_config):
    async with open_components(app_config()) as components:
        # a bound customer's first question reads their account's scope once
        assert FROM_KB & set(await say(components, "demo-bound", "发票怎么开"))
        statements = sql_log(components)
        assert await say(components, "first-time-visitor", "您好") == ["greet"]
        assert FROM_KB & set(await say(components, "new-sender-2", "光猫的LOS指示灯红色闪烁怎么办"))
        assert FROM_KB & set(await say(components, "demo-bound", "宽带的兆比特和下载时的兆字节怎么换算"))
        assert await say(components, "new-sender-3", "专线的SLA是怎么规定的") == ["kb_abstain"]
        assert statements == []


async def test_unanswered_questions_are_written_later_and_none_is_lost_on_a_clean_stop(app_config):
    config = app_config()
    async with open_components(config) as components:
        statements = sql_log(components)
        for number, text in enumerate(["公司食堂的菜单在哪里看", "专线的SLA是怎么规定的"]):
            assert await say(components, f"asker-{number}", text) == ["kb_abstain"]
        assert not [s for s in statements if "kb_gap" in s]
    async with open_desk(config) as (_, desk):
        gaps = {gap.query for gap in await desk.kb_gaps(SYSTEM)}
    assert {"公司食堂的菜单在哪里看", "专线的sla是怎么规定的"} <= gaps


def test_the_saved_form_of_a_long_conversation_is_a_full_copy():
    conversation = Conversation(id="app:c1", channel="app", user_id="c1",
                                flow=FlowState(name="fault_report", instance_id="f1", slots={"circuit_id": "GZ-MSTP-000123"}))
    for number in range(30):
        conversation.add_turn(Turn(at=f"2026-12-04T10:{number:02d}:00+08:00", user="专线又断了", intent="report_fault",
                                   confidence=0.93, replies=["请提供电路编号"], templates=["ask_circuit"]), 50)
    saved = conversation.to_dict()
    assert saved == asdict(conversation)
    saved["history"][0]["replies"].append("changed in the store")
    saved["flow"]["slots"]["circuit_id"] = "changed in the store"
    assert conversation.history[0].replies == ["请提供电路编号"]
    assert conversation.flow.slots == {"circuit_id": "GZ-MSTP-000123"} and len(conversation.history) == 30
