"""Recorded WeChat XML → one InboundMessage each, with the right action and window (pure functions)."""
from __future__ import annotations

import pytest

from channels.wechat.inbound import Action, Window, parse
from channels.wechat.security import Rejected
from dialogue.types import MessageKind
from tests.wechat.server import payload

CLICKS = {"REPORT_FAULT": "report_fault"}


def decide(name: str, content: str = "", msg_id: int = 24601, created: int = 1732345678):
    return parse(payload(name, "oUser_abcdef123456", content, msg_id, created).encode(), CLICKS, "greet")


def test_text_message():
    decision = decide("text.xml", "我们公司专线断了")
    message = decision.message
    assert (message.channel, message.user_id, message.conversation_id) == (
        "wechat", "oUser_abcdef123456", "wechat:oUser_abcdef123456")
    assert (message.kind, message.text, message.message_id) == (MessageKind.TEXT, "我们公司专线断了", "msg:24601")
    assert message.received_at.timestamp() == 1732345678
    assert (decision.action, decision.window, decision.account) == (Action.ENGINE, Window.MESSAGE, "gh_3a9c1e5f7b21")


def test_voice_uses_the_recognition_transcript():
    decision = decide("voice.xml", "查一下工单")
    assert (decision.message.kind, decision.message.text, decision.action) == (MessageKind.VOICE, "查一下工单",
                                                                               Action.ENGINE)
    assert decision.message.metadata["format"] == "amr"


def test_voice_without_transcript_goes_to_the_engine_without_words():
    decision = decide("voice.xml", "")
    assert (decision.action, decision.message.kind, decision.message.text) == (Action.ENGINE, MessageKind.VOICE, "")


def test_image_goes_to_the_engine_with_its_media_in_metadata():
    decision = decide("image.xml")
    assert decision.message.kind == MessageKind.IMAGE
    assert decision.message.metadata["pic_url"].startswith("http://mmbiz.qpic.cn/")
    assert decision.message.metadata["media_id"]
    assert (decision.action, decision.message.text) == (Action.ENGINE, "")


def test_location_label_goes_to_the_engine_as_an_address():
    decision = decide("location.xml", "广东省广州市天河区珠江新城华夏路10号")
    assert (decision.message.kind, decision.action) == (MessageKind.LOCATION, Action.ENGINE)
    assert decision.message.text == "广东省广州市天河区珠江新城华夏路10号"
    assert decision.message.metadata["latitude"] == "23.129163"


def test_location_without_label_goes_to_the_engine_as_an_attachment():
    decision = decide("location.xml", "")
    assert (decision.action, decision.message.text) == (Action.ENGINE, "")
    assert decision.message.metadata["longitude"] == "113.264435"


def test_subscribe_with_qrscene_greets_and_keeps_the_scene():
    decision = decide("subscribe_qrscene.xml")
    assert (decision.message.kind, decision.message.text) == (MessageKind.SUBSCRIBE, "/greet")
    assert decision.message.metadata == {"scene": "branch-gz-tianhe"}
    assert (decision.window, decision.dedup_key) == (Window.EVENT, "evt:oUser_abcdef123456:1732345678")


def test_plain_subscribe_and_scan():
    assert decide("subscribe.xml").message.metadata == {}
    scan = decide("scan.xml")
    assert (scan.message.kind, scan.message.text, scan.message.metadata["scene"]) == (
        MessageKind.SCAN, "/greet", "branch-gz-tianhe")


def test_menu_click_maps_its_key_to_an_intent_payload():
    decision = decide("click.xml", "REPORT_FAULT")
    assert (decision.message.kind, decision.message.text, decision.window) == (MessageKind.BUTTON, "/report_fault",
                                                                               Window.EVENT)


def test_unknown_menu_key_goes_to_the_engine_without_words():
    decision = decide("click.xml", "OLD_KEY")
    assert (decision.action, decision.message.kind, decision.message.text) == (Action.ENGINE, MessageKind.BUTTON, "")
    assert decision.message.metadata["menu_key"] == "OLD_KEY"


def test_msgmenu_choice_comes_back_as_the_digit():
    decision = decide("msgmenu_click.xml")
    assert (decision.message.kind, decision.message.text) == (MessageKind.BUTTON, "1")


@pytest.mark.parametrize("name, kind", [("unsubscribe.xml", MessageKind.UNSUBSCRIBE),
                                        ("view.xml", MessageKind.MENU_LINK)])
def test_unsubscribe_and_view_run_nothing(name, kind):
    decision = decide(name)
    assert (decision.message.kind, decision.action, decision.window) == (kind, Action.IGNORE, None)


def test_view_keeps_the_url():
    assert decide("view.xml").message.metadata["url"].startswith("https://")


def test_unsupported_media_goes_to_the_engine_as_unsupported():
    decision = decide("video.xml")
    assert (decision.action, decision.message.kind, decision.window) == (Action.ENGINE, MessageKind.UNSUPPORTED,
                                                                         Window.MESSAGE)


@pytest.mark.parametrize("name, reason", [
    ("bad/billion_laughs.xml", "xml_declaration_refused"),
    ("bad/external_entity.xml", "xml_declaration_refused"),
    ("bad/external_dtd.xml", "xml_declaration_refused"),
    ("bad/truncated.xml", "malformed_xml"),
    ("bad/wrong_root.xml", "malformed_xml"),
    ("bad/no_msgtype.xml", "malformed_message"),
    ("bad/nested_fields.xml", "invalid_field:CreateTime"),
])
def test_bad_xml_is_rejected_before_any_work(name, reason):
    with pytest.raises(Rejected) as caught:
        decide(name)
    assert (caught.value.status, caught.value.reason) == (400, reason)
