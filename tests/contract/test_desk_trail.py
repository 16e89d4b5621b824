"""The agent desk's calls on a ticket under contract (locally and over HTTP): actions in its history that customers
never see, and a survey asked when an agent closes the chat."""
from __future__ import annotations

import pytest

from backend_client import Forbidden, Invalid, NotFound, ServiceDesk
from tests.contract.test_service_desk import AGENT, key_account, open_as


async def test_desk_actions_join_the_history_for_staff_only(desk: ServiceDesk):
    contact = await key_account(desk)
    ticket = await open_as(desk, contact, summary="专线丢包严重，视频会议卡成幻灯片")
    recorded = await desk.record_event(ticket.number, "note", AGENT, detail={"text": "客户说话很冲，先安抚"})
    assert recorded.kind == "desk_note" and recorded.actor == AGENT.id
    staff_view = [(e.kind, e.detail) for e in await desk.ticket_events(ticket.number, AGENT)]
    assert ("desk_note", {"text": "客户说话很冲，先安抚"}) in staff_view
    assert all(not e.kind.startswith("desk_") for e in await desk.ticket_events(ticket.number, contact))
    with pytest.raises(Forbidden):
        await desk.record_event(ticket.number, "note", contact, detail={"text": "我自己写的备注"})
    with pytest.raises(Invalid):
        await desk.record_event(ticket.number, "Status Changed!", AGENT, detail={})


async def test_a_survey_asked_at_close_is_the_customers_pending_one_and_answered_once(desk: ServiceDesk):
    contact = await key_account(desk)
    ticket = await open_as(desk, contact, summary="想把专线带宽从100兆升到200兆")
    asked = await desk.request_survey(ticket.number, AGENT)
    assert (asked.ticket, asked.status) == (ticket.number, "pending")
    pending = await desk.pending_survey(contact)
    assert pending is not None and pending.ticket == ticket.number
    await desk.answer_survey(ticket.number, 3, None, contact)
    again = await desk.request_survey(ticket.number, AGENT)
    assert (again.status, again.score) == ("answered", 3)
    with pytest.raises(Forbidden):
        await desk.request_survey(ticket.number, contact)


async def test_an_agent_texts_the_contacts_registered_mobile_and_a_customer_cannot(desk: ServiceDesk, sms_gateway):
    contact = await key_account(desk)
    assert contact.contact_id is not None
    await desk.text_contact(contact.contact_id, "您好，您的专线已恢复，如有问题请回复公众号。", AGENT)
    sent = sms_gateway.messages[-1]
    binding = await desk.find_binding("app", "demo-bound")
    assert sent["Body"] == "您好，您的专线已恢复，如有问题请回复公众号。" and sent["To"].endswith(binding.mobile)
    with pytest.raises(Forbidden):
        await desk.text_contact(contact.contact_id, "冒充客服发的短信", contact)
    with pytest.raises(NotFound):
        await desk.text_contact(987654, "没有这个联系人", AGENT)
