"""Rendering: texts within WeChat's byte limit, numbered choices in passive replies, `msgmenu` in pushes."""
from __future__ import annotations

import json

import xmltodict

from channels.wechat.render import TEXT_LIMIT_BYTES, custom_messages, passive_text, passive_xml, split_text
from dialogue.types import Button, Reply
from tests.wechat.server import FIXTURES

CONFIRM = Reply("请核对故障信息，确认无误请回复“确认”。",
                (Button("确认提交", "/affirm"), Button("修改", "/deny"), Button("取消", "/cancel")))
OPENID = "oUser_abcdef123456"


def test_short_text_is_one_piece():
    assert split_text("您好") == ["您好"]
    assert split_text("  \n") == []


def test_long_chinese_text_is_split_within_the_byte_limit_without_losing_a_character():
    text = "\n".join(f"第{i}行：" + "故障处理进度说明" * 20 for i in range(40))
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(len(piece.encode()) <= TEXT_LIMIT_BYTES for piece in pieces)
    assert "\n".join(pieces) == text


def test_a_single_overlong_line_is_cut_between_characters():
    pieces = split_text("长" * 1500)
    assert [len(p.encode()) for p in pieces] == [2046, 2046, 408]
    assert "".join(pieces) == "长" * 1500


def test_passive_reply_numbers_only_the_last_choices_golden():
    replies = [Reply("已收到。", (Button("旧选项", "/old"),)), CONFIRM]
    xml = passive_xml(passive_text(replies), OPENID, "gh_3a9c1e5f7b21")
    expected = xmltodict.parse((FIXTURES / "passive_fault_confirm.xml").read_text(encoding="utf-8"))["xml"]
    rendered = xmltodict.parse(xml)["xml"]
    rendered.pop("CreateTime"), expected.pop("CreateTime")
    assert rendered == expected


def test_customer_service_bodies_use_msgmenu_for_choices_golden():
    bodies = custom_messages(OPENID, [Reply("已收到。"), CONFIRM])
    assert bodies == json.loads((FIXTURES / "custom_send_fault_confirm.json").read_text(encoding="utf-8"))


def test_customer_service_long_text_becomes_several_messages():
    bodies = custom_messages(OPENID, [Reply("说明" * 1000)])
    assert [b["msgtype"] for b in bodies] == ["text", "text", "text"]
    assert all(len(b["text"]["content"].encode()) <= TEXT_LIMIT_BYTES for b in bodies)


def test_untrusted_text_cannot_break_out_of_the_passive_reply():
    hostile = "答案]]></Content><MsgType><![CDATA[news]]></MsgType><Content><![CDATA[<script>alert(1)</script>\x00\x1b"
    root = xmltodict.parse(passive_xml(hostile, OPENID, "gh_account"))["xml"]
    assert root["MsgType"] == "text" and root["ToUserName"] == OPENID
    assert root["Content"] == hostile.replace("\x00", "").replace("\x1b", "")
