"""Property tests of the WeChat edge (hypothesis, bounded): any body, plain or inside a valid ciphertext, is either
a message or a Rejected 4xx naming the problem, never another exception (which the server would answer with 500)."""
from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from channels.wechat.inbound import parse
from channels.wechat.security import Envelope, Rejected, sign
from tests.wechat.server import AES_KEY, APP_ID, TOKEN, payload

BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event", "EventKey",
          "Recognition", "Location_X")
values = st.one_of(st.text(max_size=40), st.integers(min_value=-(2**80), max_value=2**80).map(str),
                   st.sampled_from(["text", "event", "voice", "image", "location", "subscribe", "CLICK", "", " 12 "]))


def decided_or_refused(xml: bytes) -> None:
    try:
        decision = parse(xml, {"REPORT_FAULT": "report_fault"}, "subscribe")
    except Rejected as exc:
        assert 400 <= exc.status < 500 and exc.reason
        return
    assert decision.message.user_id and decision.dedup_key


def document(fields: dict[str, str]) -> bytes:
    escaped = {k: v.replace("]]>", "]]]]><![CDATA[>") for k, v in fields.items()}
    return ("<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in escaped.items()) + "</xml>").encode(
        "utf-8", "surrogatepass")


@BOUNDED
@given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)))
def test_any_fields_make_a_message_or_a_400(fields):
    decided_or_refused(document(fields))


@BOUNDED
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=300))
def test_a_recorded_message_with_bytes_spliced_in_is_a_message_or_a_400(noise, at):
    xml = payload("text.xml", "oFuzz_1", "我们专线断了").encode()
    decided_or_refused(xml[:at] + noise + xml[at:])


@BOUNDED
@given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)))
def test_inside_a_valid_ciphertext_too(fields):
    timestamp, nonce = str(int(time.time())), "20261204"
    try:
        inner = document(fields).decode("utf-8")
    except UnicodeDecodeError:  # lone surrogates cannot even be encrypted by the platform
        return
    sealed = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(inner, nonce, timestamp)
    encrypt = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    plain = Envelope(TOKEN, AES_KEY, APP_ID).open(encrypt, sign(TOKEN, timestamp, nonce, encrypt), timestamp, nonce)
    decided_or_refused(plain.encode())


@BOUNDED
@given(st.text(max_size=200))
def test_a_signed_ciphertext_that_is_not_ours_is_refused(encrypt):
    timestamp, nonce = str(int(time.time())), "20261204"
    envelope = Envelope(TOKEN, AES_KEY, APP_ID)
    try:
        envelope.open(encrypt, sign(TOKEN, timestamp, nonce, encrypt), timestamp, nonce)
    except Rejected as exc:
        assert 400 <= exc.status < 500
