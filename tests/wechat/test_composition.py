"""Every reply a WeChat customer sees comes from the engine and is in the conversation history, including the
answers to messages without words (a voice note WeChat could not transcribe, an old menu key, a video)."""
from __future__ import annotations

import pytest

from dialogue.templates import Templates
from tests.wechat.server import WeChatServer, payload
from tests.wechat.test_callback import history


@pytest.mark.parametrize(("fixture", "content", "template"), [
    ("voice.xml", "", "unreadable_voice"),
    ("click.xml", "MENU_FROM_LAST_YEAR", "unreadable_button"),
    ("video.xml", "", "unreadable_unsupported"),
])
async def test_a_message_without_words_is_answered_by_the_engine_and_remembered(
        wechat: WeChatServer, fixture, content, template):
    openid = f"oNoWords_{template}"
    answer = await wechat.reply(await wechat.post(payload(fixture, openid, content), "safe"))
    assert answer == Templates.load().text(template, "wechat")
    [turn] = await history(wechat, openid)
    assert turn["templates"] == [template] and turn["replies"] == [answer]


async def test_a_fault_report_in_progress_survives_an_unreadable_voice_note(wechat: WeChatServer):
    await wechat.say("oNoWords_flow", "我们公司的专线从早上开始就断了")
    await wechat.post(payload("voice.xml", "oNoWords_flow", ""))
    asked_phone = await wechat.say("oNoWords_flow", "电路编号GZ-MSTP-000123")
    assert "手机" in asked_phone
    assert [t["templates"][0] for t in await history(wechat, "oNoWords_flow")][1] == "unreadable_voice"
