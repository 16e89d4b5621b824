"""Bad input never costs work: unsigned, replayed, malformed, hostile or oversized callbacks get a 4xx, a log line,
and the engine never runs."""
from __future__ import annotations

import base64
import logging
import struct
import time

import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.crypto.cryptography import WeChatCipher

from bot.app import create_app
from bot.keys import COMPONENTS
from tests.wechat.server import AES_KEY, APP_ID, TOKEN, WeChatServer, payload, signature

OPENID = "oHostile_1"


async def nothing_happened(server: WeChatServer, openid: str = OPENID) -> bool:
    return await server.client.app[COMPONENTS].store.load(f"wechat:{openid}") is None


def sealed(plain: bytes, nonce: str, timestamp: str) -> tuple[str, dict[str, str]]:
    """A safe-mode body around raw plaintext bytes we pad ourselves (for padding and AppID attacks)."""
    encrypt = base64.b64encode(WeChatCipher(base64.b64decode(AES_KEY + "=")).encrypt(plain)).decode()
    query = {"signature": signature(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "encrypt_type": "aes", "msg_signature": signature(TOKEN, timestamp, nonce, encrypt)}
    return f"<xml><ToUserName><![CDATA[gh_3a9c1e5f7b21]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", query


def inner(xml: str, app_id: str) -> bytes:
    body = xml.encode()
    return b"0123456789abcdef" + struct.pack(">I", len(body)) + body + app_id.encode()


def pkcs7(data: bytes) -> bytes:
    pad = 32 - len(data) % 32
    return data + bytes([pad]) * pad


async def post_raw(server: WeChatServer, body: str | bytes, query: dict[str, str]):
    return await server.client.post("/wechat", params=query, data=body if isinstance(body, bytes) else body.encode())


@pytest.mark.parametrize("change", [
    {"signature": "0" * 40}, {"signature": ""}, {"nonce": "tampered"}, {"signature": "签名" * 20},
])
async def test_bad_signature_is_403_and_nothing_runs(wechat, change, caplog):
    caplog.set_level(logging.WARNING, "channels.wechat")
    query = {**wechat.query(), **change}
    if change.get("nonce"):
        query["signature"] = wechat.query()["signature"]
    response = await post_raw(wechat, payload("text.xml", OPENID, "我们专线断了"), query)
    assert response.status == 403
    assert await nothing_happened(wechat)
    assert "wechat.callback.rejected reason=bad_signature" in caplog.text


async def test_missing_query_is_403(wechat):
    response = await wechat.client.post("/wechat", data=payload("text.xml", OPENID, "你好").encode())
    assert response.status == 403 and await nothing_happened(wechat)


@pytest.mark.parametrize("age_s", [3600, -3600])
async def test_replayed_old_or_future_timestamp_is_403(wechat, age_s):
    query = wechat.query(timestamp=str(int(time.time()) - age_s))
    response = await post_raw(wechat, payload("text.xml", OPENID, "你好"), query)
    assert response.status == 403 and await response.text() == "stale_timestamp"
    assert await nothing_happened(wechat)


@pytest.mark.parametrize("mode", ["plain", "safe"])
@pytest.mark.parametrize("name", ["bad/billion_laughs.xml", "bad/external_entity.xml", "bad/external_dtd.xml",
                                  "bad/truncated.xml", "bad/wrong_root.xml", "bad/no_msgtype.xml",
                                  "bad/nested_fields.xml"])
async def test_malformed_or_hostile_xml_is_400(wechat, name, mode, caplog):
    caplog.set_level(logging.WARNING, "channels.wechat")
    response = await wechat.post(payload(name, OPENID), mode)
    assert response.status == 400
    assert await nothing_happened(wechat)
    assert "wechat.callback.rejected" in caplog.text


async def test_empty_and_binary_bodies_are_400(wechat):
    for body in (b"", b"\x00\xff\xfe garbage", "<xml>".encode()):
        response = await post_raw(wechat, body, wechat.query())
        assert response.status == 400


async def test_oversized_body_is_413(wechat):
    response = await wechat.post(payload("text.xml", OPENID, "长" * 10_000))
    assert response.status == 413 and await nothing_happened(wechat)


async def test_wrong_msg_signature_is_403(wechat):
    body, query = wechat.envelope(payload("text.xml", OPENID, "你好"), "safe", wechat.query())
    response = await post_raw(wechat, body, {**query, "msg_signature": "f" * 40})
    assert response.status == 403 and await nothing_happened(wechat)


async def test_message_for_another_app_id_is_403(wechat):
    other = WeChatCrypto(TOKEN, AES_KEY, "wx-someone-else")
    server = WeChatServer(wechat.client)
    server.crypto = other
    response = await server.post(payload("text.xml", OPENID, "你好"), "safe")
    assert (response.status, await response.text()) == (403, "wrong_app_id")
    assert await nothing_happened(wechat)


def inconsistent_pad(data: bytes) -> bytes:
    pad = 32 - len(data) % 32 if len(data) % 32 < 30 else 64 - len(data) % 32
    return data + b"\x00" * (pad - 1) + bytes([pad])


def oversized_pad(data: bytes) -> bytes:
    pad = 32 - len(data) % 32
    return data + bytes([64]) * pad


MESSAGE = inner("<xml/>", APP_ID)


@pytest.mark.parametrize("plain, reason", [
    (inconsistent_pad(MESSAGE), "bad_padding"),
    (oversized_pad(MESSAGE), "bad_padding"),
    (pkcs7(b"0123456789abcdef" + struct.pack(">I", 10**6) + b"<xml/>" + APP_ID.encode()), "bad_ciphertext"),
])
async def test_bad_padding_or_length_is_400(wechat, plain, reason):
    query = wechat.query()
    body, query = sealed(plain, query["nonce"], query["timestamp"])
    response = await post_raw(wechat, body, query)
    assert (response.status, await response.text()) == (400, reason)


async def test_ciphertext_that_is_not_base64_blocks_is_400(wechat):
    query = wechat.query()
    encrypt = "bm90IGJsb2Nrcw=="
    query.update(encrypt_type="aes", msg_signature=signature(TOKEN, query["timestamp"], query["nonce"], encrypt))
    response = await post_raw(wechat, f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", query)
    assert (response.status, await response.text()) == (400, "bad_ciphertext")


async def test_safe_mode_without_a_configured_key_is_400(aiohttp_client, wechat_config):
    config = wechat_config()
    wechat = config.channels.wechat.model_copy(update={"encoding_aes_key": None})
    config = config.model_copy(update={"channels": config.channels.model_copy(update={"wechat": wechat})})
    server = WeChatServer(await aiohttp_client(create_app(config)))
    response = await server.post(payload("text.xml", OPENID, "你好"), "safe")
    assert (response.status, await response.text()) == (400, "aes_not_configured")


async def test_unknown_encrypt_type_is_400(wechat):
    response = await wechat.post(payload("text.xml", OPENID, "你好"), encrypt_type="rot13")
    assert response.status == 400 and await nothing_happened(wechat)
