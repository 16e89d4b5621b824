"""A fault that comes back and complaints, in customers' words, through the real NLU, engine and local desk."""
from __future__ import annotations

from typing import AsyncIterator

import pytest

from backend_client import SYSTEM, TicketKind, TicketStatus
from bot.components import build_interpreter
from dialogue.engine import Engine
from dialogue.store import InMemoryConversationStore
from dialogue.templates import Templates
from dialogue.types import InboundMessage, Reply
from tests.backend.helpers import SettableClock
from tests.conftest import seeded_desk
from tests.support import shipped_config

USER = "demo-bound"  # bound to the gold key account 广州珠江智造科技有限公司


@pytest.fixture(scope="module")
def interpreter(model_dir):
    return build_interpreter(shipped_config(FRONTDOOR_NLU__MODEL_DIR=str(model_dir)))


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def desk(sqlite_url: str, clock: SettableClock) -> AsyncIterator:
    async with seeded_desk(sqlite_url, clock=clock) as local:
        yield local


@pytest.fixture
def engine(desk, interpreter) -> Engine:  # type: ignore[no-untyped-def]
    return Engine(interpreter, InMemoryConversationStore(ttl_s=3600), desk, Templates.load())


async def say(engine: Engine, text: str, user: str = USER) -> list[Reply]:
    return await engine.handle(InboundMessage(channel="app", user_id=user, conversation_id=f"app:{user}", text=text))


async def fixed_ticket(engine: Engine, desk, clock, circuit: str = "GZ-MSTP-000123", user: str = USER) -> str:  # type: ignore[no-untyped-def]
    await say(engine, f"我们公司专线全断了，电路 {circuit}，麻烦尽快派人", user)
    opened = await say(engine, "确认提交", user)
    number = opened[0].data["number"]
    clock.advance(hours=2)
    await desk.transition(number, TicketStatus.RESOLVED, SYSTEM, note="更换了局端板卡")
    clock.advance(hours=20)
    return number


async def test_a_fixed_ticket_named_with_its_fault_back_is_reopened(engine, desk, clock):
    number = await fixed_ticket(engine, desk, clock)
    replies = await say(engine, f"{number} 昨天说修好了，今早八点多又断了，光猫LOS灯一直红")
    assert [r.template for r in replies] == ["ticket_reopened"]
    assert (await desk.get_ticket(number, SYSTEM)).status is TicketStatus.REOPENED


async def test_without_a_number_the_only_fixed_ticket_is_the_one_reopened(engine, desk, clock):
    number = await fixed_ticket(engine, desk, clock)
    replies = await say(engine, "上次报修的那条线路今天一早又不通了，跟前天一模一样")
    assert [r.template for r in replies] == ["ticket_reopened"] and number in replies[0].text


async def test_several_fixed_tickets_are_offered_and_the_one_chosen_is_reopened(engine, desk, clock):
    first = await fixed_ticket(engine, desk, clock, "GZ-MSTP-000123")
    second = await fixed_ticket(engine, desk, clock, "GZ-IPRAN-000456")
    asked = await say(engine, "你们修过的线又出问题了，还是老样子时断时续")
    assert [r.template for r in asked] == ["ask_fault_back_ticket"]
    assert {b.title for b in asked[0].buttons} >= {first, second}
    chosen = await say(engine, "1")
    assert chosen[0].template == "ticket_reopened"
    statuses = {n: (await desk.get_ticket(n, SYSTEM)).status for n in (first, second)}
    assert sorted(statuses.values()) == sorted([TicketStatus.REOPENED, TicketStatus.RESOLVED])


async def test_an_angry_fault_back_offers_a_complaint_and_a_yes_files_it_against_the_ticket(engine, desk, clock):
    number = await fixed_ticket(engine, desk, clock)
    replies = await say(engine, f"{number}这个单子你们糊弄谁呢？说修好了根本没好，又断了，我要投诉！")
    assert [r.template for r in replies] == ["ticket_reopened", "complaint_offer"]
    filed = await say(engine, "要，登记投诉")
    assert [r.template for r in filed] == ["complaint_opened"]
    complaint = await desk.get_ticket(filed[0].data["number"], SYSTEM)
    assert complaint.kind is TicketKind.COMPLAINT and complaint.related_ticket == number


async def test_the_complaint_offer_can_be_declined(engine, desk, clock):
    number = await fixed_ticket(engine, desk, clock)
    await say(engine, f"{number}这个单子你们糊弄谁呢？说修好了根本没好，又断了，我要投诉！")
    assert [r.template for r in await say(engine, "算了不用了")] == ["cancelled"]
    assert (await desk.list_tickets(SYSTEM, status=None)).items[0].kind is TicketKind.INCIDENT


async def test_an_open_ticket_whose_fault_is_back_gets_it_noted(engine, desk):
    await say(engine, "专线断了 电路GZ-MSTP-000123 快点")
    number = (await say(engine, "确认"))[0].data["number"]
    replies = await say(engine, f"{number} 刚好了十分钟又断了")
    assert [r.template for r in replies] == ["ticket_fault_persists"]
    assert (await desk.get_ticket(number, SYSTEM)).status is not TicketStatus.RESOLVED


async def test_a_complaint_about_a_bill_records_what_and_whom(engine, desk):
    assert [r.template for r in await say(engine, "帐单上莫名其妙多扣了800多块钱，客户经理也不回消息，要投诉")] == [
        "ask_complaint_whom"]
    assert [r.template for r in await say(engine, "客户经理小陈")] == ["complaint_confirm"]
    filed = await say(engine, "确认")
    assert [r.template for r in filed] == ["complaint_opened"] and filed[0].buttons[0].title == "转人工"
    complaint = await desk.get_ticket(filed[0].data["number"], SYSTEM)
    assert (complaint.kind, complaint.about, complaint.about_whom) == (TicketKind.COMPLAINT, "bill", "客户经理小陈")
    assert "800" in complaint.description


async def test_a_complaint_about_a_ticket_asks_its_number_and_links_it(engine, desk, clock):
    number = await fixed_ticket(engine, desk, clock)
    await say(engine, "我要投诉")
    assert [r.template for r in await say(engine, "/provide_info{\"complaint_about\": \"ticket\"}")] == [
        "ask_complaint_ticket"]
    assert [r.template for r in await say(engine, number)] == ["ask_complaint_whom"]
    assert [r.template for r in await say(engine, "不清楚")] == ["ask_complaint_description"]
    assert [r.template for r in await say(engine, "报了三天才有人联系，处理的人一问三不知")] == ["complaint_confirm"]
    filed = await say(engine, "提交吧")
    complaint = await desk.get_ticket(filed[0].data["number"], SYSTEM)
    assert complaint.related_ticket == number and complaint.about_whom is None


async def test_a_complaint_can_go_to_a_person_and_be_cancelled(engine, desk):
    asked = await say(engine, "你们这服务太差劲了我要投诉", user="u-angry")
    person = next(b.payload for b in asked[-1].buttons if b.title == "转人工")
    assert [r.template for r in await say(engine, person, user="u-angry")] == ["handoff_queued"]
    await say(engine, "取消", user="u-angry")
    await say(engine, "投诉", user="u-angry")
    assert [r.template for r in await say(engine, "算了，不投诉了", user="u-angry")] == ["cancelled"]
    assert (await desk.list_tickets(SYSTEM)).items == []


async def test_a_fault_back_weeks_after_the_fix_gets_a_new_ticket_linked_to_the_old(engine, desk, clock):
    number = await fixed_ticket(engine, desk, clock)
    clock.advance(days=40)
    replies = await say(engine, "你们上个月修的那条专线，这两天又开始掉线了，一天好几回")
    assert [r.template for r in replies] == ["ticket_relinked"]
    new = replies[0].data["number"]
    assert new != number and number in replies[0].text
    assert (await desk.get_ticket(new, SYSTEM)).related_ticket == number


async def test_a_new_customer_saying_again_reports_a_fault_rather_than_reopening(engine, desk):
    replies = await say(engine, "又断网了，烦死了，公司二十几个人都上不了网", user="u-new")
    assert replies[-1].template in {"ask_service_type", "ask_location"}
    assert (await desk.list_tickets(SYSTEM)).items == []
