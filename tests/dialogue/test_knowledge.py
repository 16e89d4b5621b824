"""The knowledge base in the dialogue: answer, suggest, abstain, feedback, voice, outage notices first."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend_client import SYSTEM, Actor, NewNotice, Role, Scope
from servicedesk.knowledge import seed_articles
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
    [reply] = await say(engine, "网速和带宽")
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


async def publish(desk, title: str, text: str, scope: Scope, hours: float = 4) -> None:
    now = datetime.now(timezone.utc)
    notice = await desk.create_notice(NewNotice("outage", title, text, scope, now - timedelta(hours=1),
                                                now + timedelta(hours=hours)), STAFF)
    await desk.publish_notice(notice.number, STAFF)


async def test_a_notice_for_the_bound_account_comes_before_articles(engine, desk):
    await publish(desk, "天河区专线中断", "天河北路光缆故障，正在抢修。", Scope(regions=("广州市",), service_types=("专线",)))
    [bound] = await say(engine, "/query_outage", user="demo-bound")
    assert bound.template == "kb_outage_notice" and "天河北路光缆故障" in bound.text
    assert bound.text.endswith("恢复后我们会通知您。")  # publishing notified the account's contacts
    assert templates(await say(engine, "/query_outage", user="stranger")) == ["ask_outage_place"]


async def test_an_unbound_customer_naming_a_region_gets_its_notices_without_a_promise(engine, desk):
    await publish(desk, "天河区专线中断", "天河北路光缆故障，正在抢修。", Scope(regions=("广州市",), service_types=("专线",)))
    [reply] = await say(engine, '/query_outage{"region": "天河区"}', user="stranger")  # 天河区 lies in 广州市
    assert reply.template == "kb_outage_notice" and "天河北路光缆故障" in reply.text
    assert "通知您" not in reply.text  # nobody will notify a stranger


async def test_notices_are_told_soonest_ending_first(engine, desk):
    await publish(desk, "广州市宽带割接", "今晚宽带设备割接。", Scope(regions=("广州市",), service_types=("宽带",)), hours=8)
    await publish(desk, "天河区专线中断", "天河北路光缆故障，正在抢修。", Scope(regions=("天河区",)), hours=2)
    replies = await say(engine, '/query_outage{"region": "广州市"}', user="stranger")
    assert [r.data["title"] for r in replies] == ["天河区专线中断", "广州市宽带割接"]


async def test_a_place_without_notices_is_said_clearly_with_a_fault_report_or_an_agent(engine, desk):
    await publish(desk, "天河区专线中断", "天河北路光缆故障，正在抢修。", Scope(regions=("天河区",)))
    replies = await say(engine, '/query_outage{"region": "南海区"}', user="stranger")
    assert templates(replies) == ["outage_none_region", "outage_offer"] and "南海区" in replies[0].text
    assert [b.payload for b in replies[1].buttons] == ["/report_fault", "/request_human"]
    assert templates(await say(engine, "1", user="stranger")) == ["ask_service_type"]


async def test_a_named_circuit_gets_the_notices_of_its_account_region_and_service(engine, desk):
    await publish(desk, "天河区专线中断", "天河北路光缆故障，正在抢修。", Scope(regions=("天河区",), service_types=("专线",)))
    [known] = await say(engine, "/query_outage{\"circuit_id\": \"GZ-MSTP-000123\"}", user="stranger")
    assert known.template == "kb_outage_notice" and known.data["title"] == "天河区专线中断"
    unknown = await say(engine, "/query_outage{\"circuit_id\": \"GZ-MSTP-999999\"}", user="stranger")
    assert templates(unknown) == ["outage_none_circuit_id", "outage_offer"] and "GZ-MSTP-999999" in unknown[0].text


async def test_a_bound_contact_naming_another_place_gets_that_places_notices(engine, desk):
    await publish(desk, "南海区专线割接", "桂城机房设备割接。", Scope(regions=("南海区",)))
    assert templates(await say(engine, '/query_outage{"region": "南海区"}', user="demo-bound")) == ["kb_outage_notice"]
    own = await say(engine, "/query_outage", user="demo-bound")  # their account is in 天河区: nothing there
    assert templates(own) == ["outage_none_account", "outage_offer"]
    assert "广州珠江智造科技有限公司" in own[0].text


async def test_a_bound_contact_without_notices_still_gets_the_articles(engine):
    replies = await say(engine, "今晚是不是有割接", user="demo-bound")
    assert templates(replies) == ["outage_none_account", "kb_answer"]
    assert replies[1].data["article"] == "planned-works-notice"


async def test_an_unbound_customer_is_asked_where_and_answered_for_the_area_typed(engine, desk):
    await publish(desk, "天河区专线中断", "天河北路光缆故障，正在抢修。", Scope(regions=("天河区",)))
    assert templates(await say(engine, "/query_outage")) == ["ask_outage_place"]
    assert templates(await say(engine, "随便看看")) == ["invalid_outage_place", "ask_outage_place"]
    [reply] = await say(engine, "天河区")  # free text: the keyword interpreter finds no entity in it
    assert reply.template == "kb_outage_notice" and "天河北路光缆故障" in reply.text
    assert templates(await say(engine, "天河区")) != ["kb_outage_notice"]  # the flow is over


async def test_the_place_question_takes_a_circuit_id(engine):
    await say(engine, "/query_outage")
    replies = await say(engine, "电路 FS-ETN-0045678")
    assert templates(replies) == ["outage_none_circuit_id", "outage_offer"] and "FS-ETN-0045678" in replies[0].text


async def test_the_place_question_can_be_cancelled(engine):
    await say(engine, "/query_outage")
    assert templates(await say(engine, "算了")) == ["cancelled"]
    assert templates(await say(engine, "天河区")) == ["fallback"]


async def test_voice_is_asked_for_the_place_in_a_short_sentence(engine):
    [reply] = await say(engine, "/query_outage", channel="voice")
    assert reply.template == "ask_outage_place" and reply.text == "请说出要查询的电路编号，或者您所在的区县名称。"



async def test_feedback_typed_by_hand_for_an_unknown_article_is_answered_not_stored(engine, desk):
    forged = '/kb_feedback{"article": "' + "x" * 300 + '", "solved": "no", "q": "光猫红灯"}'
    assert templates(await say(engine, forged)) == ["kb_unsolved"]
    assert await desk.kb_gaps(SYSTEM) == []


async def test_megabits_and_megabytes_in_words_reach_the_conversion_article(engine):
    [reply] = await say(engine, "兆比特和兆字节啥区别")
    assert reply.template == "kb_answer" and reply.data["article"] == "bandwidth-vs-speed"
