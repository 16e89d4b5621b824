"""Outbox delivery to WeChat through the channel's `send`: the real local desk, the real app, the fake WeChat API."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend_client import Actor, Level, NewTicket, Reporter, TicketKind, TicketStatus
from servicedesk.models import NotificationRow
from bot.app import create_app
from bot.channels import OUTBOUND
from bot.delivery import dispatcher
from bot.keys import COMPONENTS
from dialogue.types import Reply
from tests.backend.helpers import STAFF
from tests.wechat.server import WeChatServer

TEMPLATE = {"FRONTDOOR_CHANNELS__WECHAT__TEMPLATES__TICKET_RESOLVED__TEMPLATE_ID": "tpl-resolved",
            "FRONTDOOR_CHANNELS__WECHAT__TEMPLATES__TICKET_RESOLVED__FIELDS__KEYWORD1": "{ticket}",
            "FRONTDOOR_CHANNELS__WECHAT__TEMPLATES__TICKET_RESOLVED__FIELDS__REMARK": "{note}"}


async def server(aiohttp_client, wechat_config, **overrides: str) -> WeChatServer:
    config = wechat_config(FRONTDOOR_JOBS__DELIVERY_INTERVAL_S="0", **overrides)
    return WeChatServer(await aiohttp_client(create_app(config)))


async def resolved(wechat: WeChatServer, openid: str, note: str = "光缆已熔接，业务恢复") -> str:
    desk = wechat.client.app[COMPONENTS].desk
    ticket = (await desk.open_ticket(NewTicket(
        TicketKind.INCIDENT, Reporter("wechat", openid), "专线中断", "专线完全断了", Level.HIGH, uuid.uuid4().hex,
        service_type="专线", circuit_id="GZ-MSTP-000123"))).ticket
    await desk.transition(ticket.number, TicketStatus.RESOLVED, STAFF, note=note)
    return ticket.number


async def outbox(wechat: WeChatServer) -> list[tuple[str, str | None]]:
    async with wechat.client.app[COMPONENTS].db.connect() as connection:
        rows = await connection.execute(select(NotificationRow.state, NotificationRow.last_error)
                                        .where(NotificationRow.channel == "wechat"))
        return [tuple(row) for row in rows]


def sent_to(bodies: list[dict], openid: str) -> list[dict]:
    return [b for b in bodies if b["touser"] == openid]


async def test_resolution_arrives_as_custom_messages_with_the_survey_answered_by_digit(
        aiohttp_client, wechat_config, fake_api):
    wechat = await server(aiohttp_client, wechat_config)
    await wechat.say("oDeliver_1", "你好")
    number = await resolved(wechat, "oDeliver_1")
    assert await dispatcher(wechat.client.app).run_once() == 1
    text, menu = sent_to(fake_api.custom, "oDeliver_1")
    assert number in text["text"]["content"] and "光缆已熔接" in text["text"]["content"]
    assert [item["id"] for item in menu["msgmenu"]["list"]] == ["1", "2", "3", "4", "5"]
    assert await outbox(wechat) == [("delivered", "custom:2")]
    thanks = await wechat.say("oDeliver_1", "5")
    assert number in thanks and "5" in thanks
    actor = Actor.customer(Reporter("wechat", "oDeliver_1"), None)
    assert await wechat.client.app[COMPONENTS].desk.pending_survey(actor) is None


async def test_outside_the_window_a_configured_template_message_is_sent(aiohttp_client, wechat_config, fake_api):
    wechat = await server(aiohttp_client, wechat_config, **TEMPLATE)
    number = await resolved(wechat, "oQuiet_1", note="已恢复")
    assert await dispatcher(wechat.client.app).run_once() == 1
    assert sent_to(fake_api.custom, "oQuiet_1") == []
    [template] = fake_api.templates
    assert template["template_id"] == "tpl-resolved"
    assert template["data"] == {"keyword1": {"value": number}, "remark": {"value": "已恢复"}}
    assert (await outbox(wechat))[0][0] == "delivered"


async def test_outside_the_window_without_a_template_the_notification_waits(aiohttp_client, wechat_config, fake_api):
    wechat = await server(aiohttp_client, wechat_config)
    await resolved(wechat, "oQuiet_2")
    assert await dispatcher(wechat.client.app).run_once() == 0
    assert fake_api.templates == [] and sent_to(fake_api.custom, "oQuiet_2") == []
    assert await outbox(wechat) == [("pending", "outside_window")]


@pytest.mark.parametrize(("code", "state"), [(43004, "dead"), (40003, "dead"), (45011, "pending")])
async def test_refusals_are_final_or_retried_by_code(aiohttp_client, wechat_config, fake_api, code, state):
    wechat = await server(aiohttp_client, wechat_config)
    await wechat.say("oRefused_1", "你好")
    await resolved(wechat, "oRefused_1")
    fake_api.fail("custom", code, times=5)
    assert await dispatcher(wechat.client.app).run_once() == 0
    assert await outbox(wechat) == [(state, f"custom:{code}")]


async def test_serve_runs_the_delivery_job(aiohttp_client, wechat_config, fake_api):
    config = wechat_config(FRONTDOOR_JOBS__DELIVERY_INTERVAL_S="0.05")
    wechat = WeChatServer(await aiohttp_client(create_app(config)))
    await wechat.say("oJob_1", "你好")
    number = await resolved(wechat, "oJob_1")
    bodies = await fake_api.wait_custom(2, timeout_s=5)
    assert number in sent_to(bodies, "oJob_1")[0]["text"]["content"]


async def test_a_quota_running_out_midway_counts_as_delivered_never_sent_twice(
        aiohttp_client, wechat_config, fake_api):
    wechat = await server(aiohttp_client, wechat_config, **TEMPLATE)
    await wechat.say("oQuota_1", "你好")
    sent = await wechat.client.app[OUTBOUND].send("wechat", "oQuota_1", [Reply(f"消息{n}") for n in range(4)])
    assert sent.delivered and sent.detail == "custom:4"
    await resolved(wechat, "oQuota_1")
    assert await dispatcher(wechat.client.app).run_once() == 1
    assert len(sent_to(fake_api.custom, "oQuota_1")) == 5 and fake_api.templates == []
    assert await outbox(wechat) == [("delivered", "custom:1 then quota_exhausted")]
