"""The agent desk's JSON API under /agent/api/: queue, conversation, take, reply, notes, hand back, close,
transfer, escalate, tickets, knowledge base, canned replies, presence. Every call checks the session and the
agent's groups; every write the CSRF token."""
from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from aiohttp import web

from backend_client import BackendError, Level, NewTicket, Reporter, TicketKind
from channels.agent_desk import trail
from channels.agent_desk.auth import deps, require
from channels.agent_desk.board import PRESENCE, Entry
from channels.agent_desk.sessions import AgentSession
from channels.agent_desk.views import (
    account_view,
    conversation_view,
    customer_actor,
    entry_view,
    other_channels,
    tickets_view,
)
from dialogue.agent_side import HandoffConflict
from dialogue.conversation import Conversation
from dialogue.types import ReplyKind, utcnow

log = logging.getLogger(__name__)

MAX_TEXT = 2000
MAX_SMS = 500
AGENT_REPLY_KIND = "agent_reply"
"""The WeChat template message an undeliverable agent reply falls back to (channels.wechat.templates.agent_reply)."""
ROUTE_NAMES = {"template": "微信模板消息", "sms": "短信"}
LEVELS = ("county", "city", "province", "group")
_CID = re.compile(r"^[A-Za-z0-9_.:@+\-]{1,200}$")


def _error(status: int, code: str, detail: str) -> web.HTTPException:
    classes = {400: web.HTTPBadRequest, 404: web.HTTPNotFound, 409: web.HTTPConflict, 502: web.HTTPBadGateway}
    return classes[status](text=json.dumps({"error": code, "detail": detail}, ensure_ascii=False),
                           content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise _error(400, "bad_request", "请求体不是有效的 JSON") from None
    if not isinstance(body, dict):
        raise _error(400, "bad_request", "请求体必须是 JSON 对象")
    return body


def _text(body: dict[str, Any], name: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _error(400, "bad_request", f"{name} 不能为空")
    if len(value) > limit or "\x00" in value:
        raise _error(400, "bad_request", f"{name} 过长或含有非法字符")
    return value.strip()


async def _entry(request: web.Request, session: AgentSession) -> Entry:
    """The board entry of the conversation in the URL, if it is in the agent's groups; 404 otherwise."""
    cid = request.match_info["cid"]
    entry = await deps(request).board.get(cid) if _CID.match(cid) else None
    groups = deps(request).settings.visible_groups(session.group_id, session.role)
    if entry is None or entry.group not in groups:
        raise _error(404, "not_found", "会话不存在或不在您的队列中")
    return entry


async def _conversation(request: web.Request, cid: str) -> Conversation:
    saved = await deps(request).store.load(cid)
    if saved is None:
        raise _error(404, "not_found", "会话已结束")
    return Conversation.from_dict(saved)


async def _deliver(request: web.Request, delivery: Any) -> dict[str, Any]:
    """Send the hand-off's replies through the customer's channel; say plainly when it could not go out."""
    sent = await deps(request).send(delivery.channel, delivery.user_id, delivery.replies)
    if not sent.delivered:
        log.warning("agent_desk.send_failed conversation_channel=%s detail=%s", delivery.channel, sent.detail)
    return {"delivered": sent.delivered, "detail": sent.detail}


# reading

async def me(request: web.Request) -> web.Response:
    session = await require(request)
    presence = (await deps(request).board.presence()).get(session.login, {}).get("status", "offline")
    return web.json_response({"login": session.login, "name": session.name, "group": session.group_id,
                              "role": session.role, "csrf": session.csrf, "presence": presence})


async def queue(request: web.Request) -> web.Response:
    """Waiting and held conversations of the agent's groups, most urgent first, and who is online there."""
    session = await require(request)
    d = deps(request)
    groups = d.settings.visible_groups(session.group_id, session.role)
    entries = [entry_view(e) for e in await d.board.entries(groups)]
    return web.json_response({"entries": entries, "presence": await d.board.presence(), "seq": await d.board.seq(),
                              "groups": sorted(groups),
                              "transfer_to": [{"id": g.id, "name": g.name} for g in d.settings.groups]}, dumps=_dumps)


async def conversation(request: web.Request) -> web.Response:
    """Everything the agent needs beside the transcript: form slots, account, tickets with SLA clocks, notes."""
    session = await require(request)
    entry = await _entry(request, session)
    conv = await _conversation(request, entry.conversation_id)
    d = deps(request)
    actor = customer_actor(conv)
    return web.json_response({
        "entry": entry_view(entry), "conversation": conversation_view(conv),
        "account": await account_view(d.desk, conv.binding, trail.agent_actor(session.login)),
        "tickets": await tickets_view(d.desk, actor), "notes": await d.board.notes(entry.conversation_id),
        "elsewhere": await other_channels(d.desk, d.store, conv),
    }, dumps=_dumps)


async def canned(request: web.Request) -> web.Response:
    await require(request)
    return web.json_response([{"title": t, "text": x} for t, x in deps(request).settings.canned], dumps=_dumps)


async def kb_search(request: web.Request) -> web.Response:
    """Articles an agent may insert into a reply."""
    session = await require(request)
    query = request.query.get("q", "")[:200]
    if not query.strip():
        return web.json_response([])
    try:
        result = await deps(request).desk.search_kb(query, trail.agent_actor(session.login), limit=5)
    except BackendError as exc:
        raise _error(502, "desk_unavailable", f"知识库暂时无法访问：{exc}") from exc
    return web.json_response([{"key": h.article.key, "title": h.article.title, "answer": h.article.short_answer,
                               "score": round(h.score, 3)} for h in result.hits], dumps=_dumps)


# hand-off actions

async def take(request: web.Request) -> web.Response:
    """Take the conversation: one agent wins; the other is told who has it."""
    session = await require(request, write=True)
    entry = await _entry(request, session)
    if entry.state == "agent" and entry.agent != session.login:
        raise _error(409, "taken", f"该会话已由坐席 {entry.agent} 接手")
    try:
        delivery = await deps(request).handoff.accept(entry.conversation_id, session.login)
    except HandoffConflict:
        current = await deps(request).board.get(entry.conversation_id)
        raise _error(409, "taken", f"该会话已由坐席 {current.agent if current else '其他人'} 接手") from None
    entry.state, entry.agent = "agent", session.login
    await deps(request).board.put(entry)
    await _on_tickets(request, entry, "taken", session)
    return web.json_response({"ok": True, **await _deliver(request, delivery)})


async def reply(request: web.Request) -> web.Response:
    """What the agent writes goes to the customer through their own channel."""
    session = await require(request, write=True)
    entry = await _owned(request, session)
    text = _text(await _body(request), "text")
    try:
        delivery = await deps(request).handoff.agent_message(entry.conversation_id, text)
    except HandoffConflict as exc:
        raise _error(409, "stale", "该会话已不在您手中，消息未发送") from exc
    return web.json_response({"ok": True, **await _deliver(request, delivery)})


async def fallback(request: web.Request) -> web.Response:
    """A reply the chat could not deliver (the WeChat 48 h window closed) goes by the configured WeChat template
    message or by SMS to the contact's registered mobile."""
    session = await require(request, write=True)
    entry = await _owned(request, session)
    body = await _body(request)
    text, route = _text(body, "text", limit=MAX_SMS), body.get("route")
    conv = await _conversation(request, entry.conversation_id)
    d = deps(request)
    if route == "template" and conv.channel == "wechat":
        reply = d.templates.reply("agent_message", conv.channel, ReplyKind.TEXT, text=text)
        sent = await d.send(conv.channel, conv.user_id, [reply], kind=AGENT_REPLY_KIND,
                            payload={"text": text, "agent": session.name, "customer": entry.customer})
        result = {"delivered": sent.delivered, "detail": sent.detail}
    elif route == "sms" and conv.binding is not None:
        result = await _sms(d, conv.binding.contact_id, d.templates.text("agent_reply_sms", text=text), session)
    else:
        raise _error(409, "no_route", "该客户没有这条送达途径（模板消息仅限微信，短信需客户已绑定联系人）")
    if result["delivered"]:
        await d.board.add_note(entry.conversation_id, {"at": utcnow().isoformat(), "agent": session.login,
                                                       "text": f"已改用{ROUTE_NAMES[route]}发送：{text}"})
        await _on_tickets(request, entry, "reply_fallback", session, route=route, text=text)
    return web.json_response({"ok": result["delivered"], "route": route, **result})


async def _sms(d: Any, contact_id: int, text: str, session: AgentSession) -> dict[str, Any]:
    try:
        await d.desk.text_contact(contact_id, text, trail.agent_actor(session.login))
    except BackendError as exc:
        log.warning("agent_desk.sms_failed error=%s", exc.code)
        return {"delivered": False, "detail": f"sms:{exc.code}"}
    return {"delivered": True, "detail": "sms"}


async def note(request: web.Request) -> web.Response:
    """A private note on the conversation: colleagues see it, the customer never does."""
    session = await require(request, write=True)
    entry = await _entry(request, session)
    text = _text(await _body(request), "text")
    await deps(request).board.add_note(entry.conversation_id,
                                       {"at": utcnow().isoformat(), "agent": session.login, "text": text})
    await _on_tickets(request, entry, "note", session, text=text)
    return web.json_response({"ok": True})


async def hand_back(request: web.Request) -> web.Response:
    """The bot answers again, with the agent's note as context; the customer is told."""
    session = await require(request, write=True)
    entry = await _owned(request, session)
    note = _text(await _body(request), "note", required=False)
    released = await _release(request, entry, lambda handoff, cid: handoff.hand_back(cid, note))
    await _on_tickets(request, entry, "handed_back", session, note=note)
    return web.json_response(released)


async def close(request: web.Request) -> web.Response:
    """End the conversation; the customer's channel gets the closing message and the satisfaction question, for
    the newest linked ticket's survey or, with none, kept on the conversation."""
    session = await require(request, write=True)
    entry = await _owned(request, session)
    d = deps(request)
    numbers = await trail.linked_tickets(d.desk, await _conversation(request, entry.conversation_id))
    survey = await trail.ask_survey(d.desk, numbers, session.login)
    released = await _release(request, entry, lambda handoff, cid: handoff.close(cid, survey))
    await trail.record(d.desk, numbers, "closed", session.login, conversation=entry.conversation_id,
                       survey=survey or "conversation")
    return web.json_response({**released, "survey": survey or "conversation"})


async def _release(request: web.Request, entry: Entry, operation: Any) -> dict[str, Any]:
    """The owning agent lets the conversation go (hand back or close): off the board, the customer told."""
    try:
        delivery = await operation(deps(request).handoff, entry.conversation_id)
    except HandoffConflict as exc:
        raise _error(409, "stale", "该会话已不在您手中") from exc
    await deps(request).board.remove(entry.conversation_id)
    return {"ok": True, **await _deliver(request, delivery)}


async def _requeue(request: web.Request, entry: Entry) -> None:
    """The conversation waits in its new group's queue, owned by no agent (so a colleague there can take it)."""
    try:
        await deps(request).handoff.requeue(entry.conversation_id, entry.group)
    except HandoffConflict as exc:
        raise _error(404, "not_found", "会话已结束") from exc
    await deps(request).board.put(entry)


async def _on_tickets(request: web.Request, entry: Entry, kind: str, session: AgentSession, **detail: str) -> None:
    """The action in the history of the tickets linked to the conversation."""
    d = deps(request)
    await trail.on_conversation(d.desk, d.store, entry.conversation_id, kind, session.login, **detail)


async def transfer(request: web.Request) -> web.Response:
    """Move the conversation to another group's queue (waiting again) or straight to a named colleague."""
    session = await require(request, write=True)
    entry = await _entry(request, session)
    body = await _body(request)
    d = deps(request)
    group_id = _text(body, "group", required=False, limit=64) or entry.group
    if d.settings.group(group_id) is None:
        raise _error(400, "bad_request", "没有这个支撑组")
    entry.group, entry.transfer_note = group_id, _text(body, "note", required=False)
    entry.state, entry.agent = "waiting", ""
    await _requeue(request, entry)
    await d.board.add_note(entry.conversation_id, {"at": utcnow().isoformat(), "agent": session.login,
                                                   "text": f"转给 {group_id}：{entry.transfer_note}"})
    await _on_tickets(request, entry, "transferred", session, group=group_id, note=entry.transfer_note)
    return web.json_response({"ok": True, "group": group_id})


async def escalate(request: web.Request) -> web.Response:
    """The next tier's group of the same area takes the conversation (county → city → province → group)."""
    session = await require(request, write=True)
    entry = await _entry(request, session)
    settings = deps(request).settings
    current = settings.group(entry.group)
    target = _next_tier(settings.groups, current, settings.front_desk) if current else None
    if target is None:
        raise _error(409, "top_tier", "已是最高一级，无法再升级")
    request_body = await _body(request)
    entry.group, entry.state, entry.agent = target.id, "waiting", ""
    entry.transfer_note = _text(request_body, "note", required=False)
    await _requeue(request, entry)
    await deps(request).board.add_note(entry.conversation_id, {"at": utcnow().isoformat(), "agent": session.login,
                                                               "text": f"升级至 {target.name}：{entry.transfer_note}"})
    await _on_tickets(request, entry, "escalated", session, group=target.id, note=entry.transfer_note)
    return web.json_response({"ok": True, "group": target.id})


async def open_ticket(request: web.Request) -> web.Response:
    """Open a ticket for the customer from the conversation (the page prefills it from the form's slots)."""
    session = await require(request, write=True)
    entry = await _entry(request, session)
    conv = await _conversation(request, entry.conversation_id)
    body = await _body(request)
    kinds = {k.value: k for k in TicketKind}
    kind = kinds.get(str(body.get("kind", "incident")))
    urgency = {lv.value: lv for lv in Level}.get(str(body.get("urgency", "medium")))
    if kind is None or urgency is None:
        raise _error(400, "bad_request", "工单类型或紧急程度不正确")
    binding = conv.binding
    ticket = NewTicket(kind=kind, reporter=Reporter(conv.channel, conv.user_id),
                       summary=_text(body, "summary", limit=200), description=_text(body, "description",
                                                                                   required=False),
                       urgency=urgency, idempotency_key=f"agent:{session.login}:{uuid.uuid4().hex}",
                       customer_id=binding.customer_id if binding else None,
                       contact_id=binding.contact_id if binding else None,
                       contact_phone=_text(body, "contact_phone", required=False, limit=32) or None,
                       service_type=_text(body, "service_type", required=False, limit=32) or None,
                       circuit_id=_text(body, "circuit_id", required=False, limit=64) or None,
                       address=_text(body, "address", required=False, limit=200) or None)
    try:
        opened = await deps(request).desk.open_ticket(ticket)
    except BackendError as exc:
        raise _error(409, "desk_refused", f"服务台未受理：{exc}") from exc
    await deps(request).board.add_note(entry.conversation_id, {"at": utcnow().isoformat(), "agent": session.login,
                                                               "text": f"已开单 {opened.ticket.number}"})
    return web.json_response({"ok": True, "number": opened.ticket.number, "outcome": opened.outcome.value})


async def presence(request: web.Request) -> web.Response:
    session = await require(request, write=True)
    status = _text(await _body(request), "status", limit=16)
    if status not in PRESENCE:
        raise _error(400, "bad_request", f"状态只能是 {'/'.join(PRESENCE)}")
    account = await deps(request).desk.get_agent(session.login)
    await deps(request).board.set_presence(session.login, status, account.group_id, account.capacity)
    return web.json_response({"ok": True, "presence": status})


async def _owned(request: web.Request, session: AgentSession) -> Entry:
    entry = await _entry(request, session)
    if entry.state != "agent" or entry.agent != session.login:
        who = f"坐席 {entry.agent}" if entry.agent else "队列中（尚未接手）"
        raise _error(409, "stale", f"该会话当前在{who}，操作未执行")
    return entry


def _next_tier(groups: Any, current: Any, front_desk: str) -> Any:
    """The group one level up over the same area (the front desk excepted)."""
    level = LEVELS.index(current.level) if current.level in LEVELS else len(LEVELS)
    for higher in LEVELS[level + 1:]:
        for group in groups:
            if group.level != higher or group.id == front_desk:
                continue
            if higher == "city" and group.city == current.city and group.province == current.province:
                return group
            if higher == "province" and group.province == current.province and group.id != current.id:
                return group
            if higher == "group":
                return group
    return None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


ROUTES = [
    ("GET", "/agent/api/me", me), ("GET", "/agent/api/queue", queue),
    ("GET", "/agent/api/canned", canned), ("GET", "/agent/api/kb", kb_search),
    ("POST", "/agent/api/presence", presence),
    ("GET", "/agent/api/conversations/{cid}", conversation),
    ("POST", "/agent/api/conversations/{cid}/take", take), ("POST", "/agent/api/conversations/{cid}/reply", reply),
    ("POST", "/agent/api/conversations/{cid}/note", note),
    ("POST", "/agent/api/conversations/{cid}/fallback", fallback),
    ("POST", "/agent/api/conversations/{cid}/handback", hand_back),
    ("POST", "/agent/api/conversations/{cid}/close", close),
    ("POST", "/agent/api/conversations/{cid}/transfer", transfer),
    ("POST", "/agent/api/conversations/{cid}/escalate", escalate),
    ("POST", "/agent/api/conversations/{cid}/ticket", open_ticket),
]
