"""Replies out: passive XML (one text, buttons as numbered choices) and customer-service payloads (`msgmenu`).

See https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html and
https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
"""
from __future__ import annotations

import re
from typing import Any

from wechatpy.replies import TextReply

from channels.render import numbered
from dialogue.types import Button, Reply

TEXT_LIMIT_BYTES = 2048
"""WeChat's limit on one text message's content, passive or customer-service."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 forbids even inside CDATA: one of them makes WeChat drop the whole reply."""


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Pieces of at most ``limit`` UTF-8 bytes, cut at line ends where possible; none for blank text."""
    pieces, current = [], ""
    for line in text.splitlines(keepends=True):
        while line:
            if _size(current + line) <= limit:
                current, line = current + line, ""
            elif current:
                pieces.append(current)
                current = ""
            else:
                head = _prefix(line, limit)
                pieces.append(head)
                line = line[len(head):]
    pieces.append(current)
    return [piece.rstrip("\n") for piece in pieces if piece.strip()]


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _prefix(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` bytes (never splits a character)."""
    return text.encode("utf-8")[:max(limit, 0)].decode("utf-8", "ignore")


def choices(replies: list[Reply]) -> list[tuple[str, tuple[Button, ...]]]:
    """(text, buttons) per reply; only the last reply with buttons keeps them (the engine maps digits to it)."""
    last = max((i for i, r in enumerate(replies) if r.buttons), default=-1)
    return [(r.text, r.buttons if i == last else ()) for i, r in enumerate(replies)]


def passive_text(replies: list[Reply]) -> str:
    """All replies as one text, the choices numbered."""
    return "\n\n".join(numbered(Reply(text, buttons)) for text, buttons in choices(replies) if text or buttons)


def passive_xml(text: str, openid: str, account: str) -> str:
    """The passive text reply XML (wechatpy's TextReply) from ``account`` to ``openid``."""
    return TextReply(source=account, target=openid, content=cdata_safe(text)).render()


def cdata_safe(text: str) -> str:
    """Text that stays one CDATA section: wechatpy wraps content in CDATA unescaped, so an article or an echoed
    message holding ``]]>`` would end it early and inject elements; XML-illegal characters are dropped."""
    return _NOT_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>")


def custom_messages(openid: str, replies: list[Reply]) -> list[dict[str, Any]]:
    """Customer-service API bodies: texts split within the limit, the choices as one `msgmenu`."""
    bodies: list[dict[str, Any]] = []
    for text, buttons in choices(replies):
        pieces = split_text(text) if text else []
        if buttons:
            head = pieces.pop() if pieces else ""
            bodies += [_text_body(openid, piece) for piece in pieces]
            bodies.append(_menu_body(openid, head, buttons))
        else:
            bodies += [_text_body(openid, piece) for piece in pieces]
    return bodies


def _text_body(openid: str, content: str) -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


def _menu_body(openid: str, head: str, buttons: tuple[Button, ...]) -> dict[str, Any]:
    items = [{"id": str(i), "content": b.title} for i, b in enumerate(buttons, start=1)]
    return {"touser": openid, "msgtype": "msgmenu", "msgmenu": {"head_content": head, "list": items,
                                                                "tail_content": ""}}
