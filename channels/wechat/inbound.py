"""WeChat XML in, one InboundMessage out: a guarded parse (no DTD, no entities) and wechatpy's message types.

See https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html and
https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Mapping
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy import events, messages
from wechatpy.parser import parse_message

from channels.wechat.security import Rejected
from dialogue.types import InboundMessage, MessageKind

CHANNEL = "wechat"
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_PARSE_ERRORS = (ExpatError, KeyError, TypeError, AttributeError, ValueError)
_DIGITS = re.compile(r"[0-9]{1,20}")
CREATE_TIME_RANGE = (946_684_800, 4_102_444_800)
"""2000-01-01 .. 2100-01-01 UTC: anything else is not a message time (and would not fit a datetime everywhere)."""
MSG_ID_RANGE = (1, 2**63 - 1)
"""WeChat's MsgId is a signed 64-bit integer."""


class Action(str, Enum):
    """What the callback does with a message: run a turn (every reply comes from the engine), or nothing."""

    ENGINE = "engine"
    IGNORE = "ignore"


class Window(str, Enum):
    """Which customer-service window the message opens (48 h × 5 for messages, 1 min × 3 for events)."""

    MESSAGE = "message"
    EVENT = "event"


@dataclass(frozen=True)
class Decision:
    """One parsed callback: the normalised message, what to do with it and how to recognise its retries."""

    message: InboundMessage
    account: str
    dedup_key: str
    action: Action
    window: Window | None = None


def guard(xml: bytes) -> None:
    """Refuse any document type or entity declaration before a parser sees it (no expansion, ever)."""
    if _DECLARATION.search(xml):
        raise Rejected(400, "xml_declaration_refused")


def load_root(xml: bytes) -> dict[str, Any]:
    """The children of ``<xml>`` as a dict; Rejected(400) when malformed."""
    guard(xml)
    try:
        root = xmltodict.parse(xml, disable_entities=True).get("xml")
    except (ExpatError, ValueError):
        raise Rejected(400, "malformed_xml") from None
    if not isinstance(root, dict):
        raise Rejected(400, "malformed_xml")
    return root


def parse(xml: bytes, click_intents: Mapping[str, str], subscribe_intent: str) -> Decision:
    """The Decision for one plaintext callback body; Rejected(400) when it is not a WeChat message."""
    root = load_root(xml)
    created = _number(root, "CreateTime", CREATE_TIME_RANGE)
    msg_id = _number(root, "MsgId" if "MsgId" in root else "MsgID", MSG_ID_RANGE, required=False)
    try:
        message = parse_message(xml.decode("utf-8"))
        openid, account = message.source, message.target
    except _PARSE_ERRORS:
        raise Rejected(400, "malformed_message") from None
    for name, value in (("FromUserName", openid), ("ToUserName", account)):
        if not _is_text(value):
            raise Rejected(400, f"invalid_field:{name}")
    key = f"msg:{msg_id}" if msg_id and not isinstance(message, events.BaseEvent) else f"evt:{openid}:{created}"
    base = {"channel": CHANNEL, "user_id": openid, "conversation_id": f"{CHANNEL}:{openid}",
            "message_id": key, "received_at": datetime.fromtimestamp(created, timezone.utc)}
    decision = _map(message, root, click_intents, subscribe_intent)
    return Decision(InboundMessage(**base, **decision.pop("fields")), account, key, **decision)


def _number(root: dict[str, Any], name: str, bounds: tuple[int, int], required: bool = True) -> int:
    """An integer field in range; Rejected(400) naming the field otherwise (0 when absent and optional)."""
    raw = root.get(name)
    if raw is None and not required:
        return 0
    if not isinstance(raw, str) or not _DIGITS.fullmatch(raw.strip()) or not bounds[0] <= int(raw) <= bounds[1]:
        raise Rejected(400, f"invalid_field:{name}")
    return int(raw)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 128


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _fields(kind: MessageKind, text: str = "", **metadata: Any) -> dict[str, Any]:
    return {"kind": kind, "text": text, "metadata": {k: v for k, v in metadata.items() if v not in (None, "")}}


def _map(message: Any, root: dict[str, Any], clicks: Mapping[str, str], subscribe_intent: str) -> dict[str, Any]:
    """Per message type: the InboundMessage fields, the action and the window it opens."""
    greet = f"/{subscribe_intent}"
    if isinstance(message, messages.TextMessage):
        menu_id = _text(root.get("bizmsgmenuid"))
        if menu_id.isdigit():
            return _engine(_fields(MessageKind.BUTTON, menu_id, bizmsgmenuid=menu_id), Window.MESSAGE)
        return _engine(_fields(MessageKind.TEXT, _text(root.get("Content"))), Window.MESSAGE)
    if isinstance(message, messages.VoiceMessage):
        heard = _text(root.get("Recognition")).strip()
        fields = _fields(MessageKind.VOICE, heard, media_id=message.media_id, format=message.format)
        return _engine(fields, Window.MESSAGE)  # without a transcript the engine asks the customer to type
    if isinstance(message, messages.ImageMessage):
        fields = _fields(MessageKind.IMAGE, media_id=message.media_id, pic_url=message.image)
        return _engine(fields, Window.MESSAGE)
    if isinstance(message, messages.LocationMessage):
        label = _text(root.get("Label")).strip()
        fields = _fields(MessageKind.LOCATION, label, latitude=_text(root.get("Location_X")),
                         longitude=_text(root.get("Location_Y")), scale=_text(root.get("Scale")), label=label)
        return _engine(fields, Window.MESSAGE)
    if isinstance(message, (events.SubscribeEvent, events.SubscribeScanEvent)):
        scene = message.scene_id if isinstance(message, events.SubscribeScanEvent) else None
        return _engine(_fields(MessageKind.SUBSCRIBE, greet, scene=scene), Window.EVENT)
    if isinstance(message, events.ScanEvent):
        return _engine(_fields(MessageKind.SCAN, greet, scene=message.scene_id, ticket=message.ticket), Window.EVENT)
    if isinstance(message, events.ClickEvent):
        key = _text(root.get("EventKey"))
        intent = clicks.get(key)
        fields = _fields(MessageKind.BUTTON, f"/{intent}" if intent else "", menu_key=key)
        return _engine(fields, Window.EVENT)  # an unknown (old) key comes without words: the engine answers
    if isinstance(message, events.UnsubscribeEvent):
        return {"fields": _fields(MessageKind.UNSUBSCRIBE), "action": Action.IGNORE}
    if isinstance(message, events.ViewEvent):
        return {"fields": _fields(MessageKind.MENU_LINK, url=_text(root.get("EventKey"))), "action": Action.IGNORE}
    if isinstance(message, events.BaseEvent):
        return {"fields": _fields(MessageKind.TEXT, event=_text(root.get("Event"))), "action": Action.IGNORE}
    return _engine(_fields(MessageKind.UNSUPPORTED, msg_type=_text(root.get("MsgType"))), Window.MESSAGE)


def _engine(fields: dict[str, Any], window: Window) -> dict[str, Any]:
    return {"fields": fields, "action": Action.ENGINE, "window": window}

