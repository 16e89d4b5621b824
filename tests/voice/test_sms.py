"""The hotline's SMS channel against Twilio's Messages API played over loopback (documented form in, JSON out)."""
from __future__ import annotations

import aiohttp
from aiohttp import web

from channels.base import ChannelDeps, OutboundChannel
from channels.voice.sms import SmsChannel, SmsSettings
from dialogue.templates import Templates
from dialogue.types import Reply
from tests import fake_twilio


def channel(url: str) -> SmsChannel:
    return SmsChannel(SmsSettings(fake_twilio.ACCOUNT_SID, fake_twilio.AUTH_TOKEN, fake_twilio.FROM, url))


async def test_a_message_is_posted_with_basic_auth_and_reported_delivered(aiohttp_server):
    twilio = await fake_twilio.start(aiohttp_server)
    sms = channel(twilio.url)
    assert isinstance(sms, OutboundChannel)
    async with aiohttp.ClientSession() as http:
        async with sms.open(ChannelDeps(Templates.load(), http, None, "t:")):
            delivery = await sms.send("+8613700137003", [Reply("您的工单号是 GD202612050001。")])
    assert delivery.delivered and delivery.detail.startswith("sms:SM")
    assert twilio.messages == [{"To": "+8613700137003", "From": fake_twilio.FROM,
                                "Body": "您的工单号是 GD202612050001。"}]


async def test_a_refused_number_is_a_failed_delivery_not_an_exception(aiohttp_server):
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"code": 21211, "message": "The 'To' number 12345 is not a valid phone number.",
                                  "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}, status=400)

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", refuse)
    server = await aiohttp_server(app)
    sms = channel(str(server.make_url("")).rstrip("/"))
    async with aiohttp.ClientSession() as http:
        async with sms.open(ChannelDeps(Templates.load(), http, None, "t:")):
            delivery = await sms.send("12345", [Reply("工单号")])
    assert not delivery.delivered and not delivery.retry and "21211" in delivery.detail


async def test_sending_before_start_up_asks_for_a_retry(aiohttp_server):
    delivery = await channel("http://127.0.0.1:9").send("+8613700137003", [Reply("工单号")])
    assert not delivery.delivered and delivery.retry
