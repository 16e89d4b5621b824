"""Every WeChat request proves it is WeChat's: a signed URL carries only the body it first came with, safe mode
takes no plaintext, out-of-range fields are a 400 naming them (also inside a valid ciphertext), the access log
never shows a reusable URL, and a late reply the platform refused for a moment is sent again."""
from __future__ import annotations

import logging
import time

import aiohttp
import pytest
from aiohttp import web

from bot.app import create_app
from bot.errors import ConfigError
from bot.logs import MaskingAccessLogger
from tests.support import shipped_config
from tests.wechat.server import WeChatServer, payload
from tests.wechat.test_bad_input import nothing_happened, post_raw

OPENID = "oTrust_1"


async def test_a_signed_url_taken_from_a_log_cannot_carry_another_body(wechat):
    genuine = payload("text.xml", OPENID, "你好，我们公司专线断了")
    query = wechat.query()
    first = await post_raw(wechat, genuine, query)
    assert "电路" in await wechat.reply(first)
    forged = payload("text.xml", "oBoundVictim", "查一下我们公司所有的工单")  # a bound customer's openid
    response = await post_raw(wechat, forged, query)
    assert (response.status, await response.text()) == (403, "replayed_request")
    assert await nothing_happened(wechat, "oBoundVictim")


async def test_the_same_request_again_is_wechats_retry_and_gets_the_same_answer(wechat):
    request = payload("text.xml", OPENID, "我们专线断了，麻烦看一下")
    query = wechat.query()
    first = await wechat.reply(await post_raw(wechat, request, query))
    again = await wechat.reply(await post_raw(wechat, request, query))
    assert first == again and "电路" in first


async def test_safe_mode_refuses_a_plaintext_body(aiohttp_client, wechat_config):
    server = WeChatServer(await aiohttp_client(create_app(wechat_config(FRONTDOOR_CHANNELS__WECHAT__MODE="safe"))))
    response = await server.post(payload("text.xml", OPENID, "查一下我们公司的工单"), "plain")
    assert (response.status, await response.text()) == (403, "plaintext_refused")
    assert await nothing_happened(server)
    # compatible mode's body (plaintext beside the ciphertext) is read from the ciphertext, so it is fine
    assert "电路" in await server.say(OPENID, "我们专线断了", "compatible")


async def test_an_aes_key_alone_means_safe_mode(aiohttp_client, wechat_config):
    config = wechat_config()
    wechat = config.channels.wechat.model_copy(update={"mode": None})
    config = config.model_copy(update={"channels": config.channels.model_copy(update={"wechat": wechat})})
    server = WeChatServer(await aiohttp_client(create_app(config)))
    response = await server.post(payload("text.xml", OPENID, "你好"), "plain")
    assert response.status == 403 and await nothing_happened(server)


@pytest.mark.parametrize("mode", ["plain", "safe"])
@pytest.mark.parametrize("field, value", [
    ("CreateTime", "99999999999999999999"), ("CreateTime", "-1"), ("CreateTime", "１７００００００００"),
    ("MsgId", "18446744073709551616"), ("MsgId", "1e30"),
])
async def test_out_of_range_numbers_are_400_naming_the_field(wechat, mode, field, value):
    xml = payload("text.xml", OPENID, "你好")
    start, end = xml.index(f"<{field}>") + len(field) + 2, xml.index(f"</{field}>")
    response = await wechat.post(xml[:start] + value + xml[end:], mode)
    assert (response.status, await response.text()) == (400, f"invalid_field:{field}")
    assert await nothing_happened(wechat)


async def test_the_access_log_shows_no_signature_nonce_timestamp_or_openid(aiohttp_server, caplog):
    caplog.set_level(logging.INFO, "aiohttp.access")
    app = web.Application()

    async def success(request: web.Request) -> web.Response:
        return web.Response(text="success")

    app.router.add_post("/wechat", success)
    server = await aiohttp_server(app, access_log_class=MaskingAccessLogger)
    query = {"signature": "5a6f1e0c9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f", "timestamp": str(int(time.time())),
             "nonce": "1437965821", "openid": "oSecretOpenId123", "encrypt_type": "aes",
             "msg_signature": "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c", "phone": "13800138000"}
    async with aiohttp.ClientSession() as session, session.post(server.make_url("/wechat").with_query(query)) as sent:
        assert sent.status == 200
    line = next(r.getMessage() for r in caplog.records if r.name == "aiohttp.access")
    for secret in (query["signature"], query["timestamp"], query["nonce"], query["openid"], query["msg_signature"],
                   "13800138000"):
        assert secret not in line
    assert "encrypt_type=aes" in line and "signature=***" in line


async def test_a_late_reply_refused_for_a_moment_is_sent_again(aiohttp_client, wechat_config, fake_api):
    config = wechat_config(FRONTDOOR_CHANNELS__WECHAT__DEADLINE_S="0")
    server = WeChatServer(await aiohttp_client(create_app(config)))
    fake_api.fail("custom", -1, times=2)  # system busy, twice
    assert await server.say("oLate_1", "你好，我们公司专线断了", "safe") is None
    sent = await fake_api.wait_custom(1)
    assert len(sent) == 1 and "电路" in sent[0]["text"]["content"]


def test_safe_or_compatible_mode_without_an_aes_key_is_a_config_error():
    env = {"FRONTDOOR_CHANNELS__WECHAT__ENABLED": "true", "FRONTDOOR_CHANNELS__WECHAT__TOKEN": "t0ken-from-env",
           "FRONTDOOR_CHANNELS__WECHAT__APP_ID": "wx-fake-app", "FRONTDOOR_CHANNELS__WECHAT__MODE": "safe"}
    with pytest.raises(ConfigError, match="needs encoding_aes_key"):
        shipped_config(**env)
