"""After reporting, in the customer's words: urging within the desk's policy, 'it's broken again', the fix note."""
from __future__ import annotations

from typing import AsyncIterator

import pytest
from sqlalchemy import event

from backend_client import SYSTEM, TicketStatus
from dialogue.engine import Engine
from dialogue.store import InMemoryConversationStore
from dialogue.templates import Templates
from dialogue.types import InboundMessage
from tests.backend.helpers import SettableClock
from tests.conftest import seeded_desk
from tests.fakes import KeywordInterpreter

USER = "demo-bound"  # bound to the gold key account 广州珠江智造科技有限公司


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def desk(sqlite_url: str, clock: SettableClock) -> AsyncIterator:
    async with seeded_desk(sqlite_url, clock=clock) as local:
        yield local


@pytest.fixture
def engine(desk) -> Engine:  # type: ignore[no-untyped-def]
    return Engine(KeywordInterpreter(), InMemoryConversationStore(ttl_s=3600), desk, Templates.load())


async def say(engine: Engine, text: str):  # type: ignore[no-untyped-def]
    return await engine.handle(InboundMessage(channel="app", user_id=USER, conversation_id=f"app:{USER}", text=text))


async def report(engine: Engine) -> str:
    await say(engine, "专线断了 GZ-MSTP-000123")
    await say(engine, "专线")
    return (await say(engine, "确认"))[0].data["number"]


async def test_two_urges_an_hour_apart_escalate_once_then_record(engine, desk, clock):
    number = await report(engine)
    clock.advance(minutes=70)
    first = await say(engine, f"{number} 还没修好吗？一个多小时了，生产线都停了")
    second = await say(engine, "还没修好？？？再催一下")
    assert [r.template for r in first] == ["ticket_urged"] and first[0].data["tier"] == "省公司"
    assert [r.template for r in second] == ["ticket_urge_noted"] and "第 2 次" in second[0].text
    assert (await desk.get_ticket(number, SYSTEM)).assigned_group == "gd"


async def test_urging_a_fixed_ticket_says_it_is_reopened_not_that_it_is_resolved(engine, desk, clock):
    number = await report(engine)
    clock.advance(hours=3)
    await desk.transition(number, TicketStatus.RESOLVED, SYSTEM, note="更换了客户侧光猫")
    clock.advance(days=1)
    replies = await say(engine, f"{number} 说是修好了，结果今天早上又还没修好，光猫灯一直闪红")
    assert [r.template for r in replies] == ["ticket_reopened"]
    assert "已解决" not in replies[0].text and "承诺解决时限" in replies[0].text
    assert (await desk.get_ticket(number, SYSTEM)).status is TicketStatus.REOPENED


async def test_a_fault_back_weeks_later_gets_a_new_ticket_linked_to_the_old(engine, desk, clock):
    number = await report(engine)
    await desk.transition(number, TicketStatus.RESOLVED, SYSTEM, note="熔接光缆")
    clock.advance(days=30)
    replies = await say(engine, f"{number} 这条线还没修好，又跟上个月一样断了")
    assert [r.template for r in replies] == ["ticket_relinked"]
    new = replies[0].data["number"]
    assert new != number and number in replies[0].text
    assert (await desk.get_ticket(new, SYSTEM)).related_ticket == number


async def test_the_status_of_a_fixed_ticket_tells_what_was_done(engine, desk):
    number = await report(engine)
    await desk.transition(number, TicketStatus.RESOLVED, SYSTEM, note="机房侧跳纤松动，已重新插紧并测试正常")
    status = await say(engine, f"帮我查下 {number} 现在什么情况")
    assert "跳纤松动" in status[0].text


async def test_a_status_reply_never_shows_a_mobile_number_the_customer_typed_into_the_fault(engine):
    await say(engine, "专线断了 GZ-MSTP-000123，有事打我手机 13912345678")
    await say(engine, "专线")
    number = (await say(engine, "确认"))[0].data["number"]
    status = await say(engine, f"查一下 {number}")
    assert "13912345678" not in status[0].text and "139****5678" in status[0].text


async def test_asking_for_the_latest_ticket_reads_the_tickets_once(engine, desk):
    number = await report(engine)
    statements: list[str] = []
    event.listen(desk._engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    replies = await say(engine, "查一下工单进度")
    assert [r.template for r in replies] == ["ticket_status"] and number in replies[0].text
    ticket_reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "tickets" in s]
    assert len(ticket_reads) <= 2, ticket_reads   # the listing and its count: no second listing, no lookup by number
