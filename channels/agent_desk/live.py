"""Live updates: one bus follower per process keeps the board current; each agent page holds a WebSocket that
is told when anything on the board changed (the page then re-reads what it shows, so a reconnect catches up
without losing or repeating a message) and gets customer messages of its groups as they arrive."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import WSMsgType, web

from channels.agent_desk import trail
from channels.agent_desk.auth import COOKIE, DEPS_KEY, deps, same_origin
from dialogue.agent_side import HandoffConflict
from dialogue.bus import EventKind, HandoffEvent
from dialogue.conversation import Conversation

log = logging.getLogger(__name__)

POLL_S = 1.0


class Live:
    """The bus follower and the set of connected pages of this process."""

    def __init__(self) -> None:
        self._listeners: set[asyncio.Queue[HandoffEvent | None]] = set()

    async def follow(self, app: web.Application) -> None:
        """Apply every hand-off event to the board and pass it to the connected pages; runs until cancelled."""
        d: Any = app[DEPS_KEY]  # the desk's dependencies, as deps() returns them
        while True:
            try:
                async with d.bus.subscribe() as events:
                    async for event in events:
                        await self._apply(d, event)
            except asyncio.CancelledError:
                raise
            except Exception:  # a lost Redis connection: log, wait, subscribe again
                log.exception("agent_desk.follow_failed")
                await asyncio.sleep(POLL_S)

    async def _apply(self, d: Any, event: HandoffEvent) -> None:
        customer, tier = "", ""
        if event.kind == EventKind.REQUESTED:
            saved = await d.store.load(event.conversation_id)
            binding = Conversation.from_dict(saved).binding if saved else None
            customer, tier = (binding.customer_name, binding.tier) if binding else ("", "")
        await d.board.apply(event, customer, tier)
        if event.kind == EventKind.REQUESTED and d.settings.auto_assign:
            await self._assign(d, event)
        for queue in list(self._listeners):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    async def _assign(self, d: Any, event: HandoffEvent) -> None:
        """Auto-assignment: the group's next online agent with room takes the conversation (one process does it)."""
        login = await d.board.pick_agent(event.group)
        if login is None or not await d.board.claim(event.conversation_id):
            return
        try:
            delivery = await d.handoff.accept(event.conversation_id, login)
        except HandoffConflict:
            return
        await d.board.assigned(login)
        entry = await d.board.get(event.conversation_id)
        if entry is not None:
            entry.state, entry.agent = "agent", login
            await d.board.put(entry)
        await trail.on_conversation(d.desk, d.store, event.conversation_id, "taken", login, assigned="auto")
        sent = await d.send(delivery.channel, delivery.user_id, delivery.replies)
        log.info("agent_desk.auto_assigned conversation_id=%s agent=%s delivered=%s", event.conversation_id, login,
                 sent.delivered)

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        """`GET /agent/ws`: signed-in pages of this site only."""
        d = deps(request)
        session = await d.sessions.get(request.cookies.get(COOKIE, ""))
        if session is None or not same_origin(request):
            raise web.HTTPForbidden(text="sign in first")
        groups = d.settings.visible_groups(session.group_id, session.role)
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        queue: asyncio.Queue[HandoffEvent | None] = asyncio.Queue(200)
        self._listeners.add(queue)
        reader = asyncio.create_task(_drain_client(ws, queue))
        seq = -1
        try:
            while not ws.closed:
                try:
                    event = await asyncio.wait_for(queue.get(), POLL_S)
                except asyncio.TimeoutError:
                    event = None
                if event is not None and event.group in groups:
                    await ws.send_json({"type": "event", "kind": event.kind.value,
                                        "conversation_id": event.conversation_id, "text": event.text})
                current = await d.board.seq()
                if current != seq:
                    seq = current
                    await ws.send_json({"type": "changed", "seq": seq})
                if await d.sessions.peek(request.cookies.get(COOKIE, "")) is None:
                    await ws.close(message=b"session expired")
        except (ConnectionResetError, RuntimeError):
            pass
        finally:
            self._listeners.discard(queue)
            reader.cancel()
        return ws


async def _drain_client(ws: web.WebSocketResponse, queue: asyncio.Queue[HandoffEvent | None]) -> None:
    """Read (and ignore) what the page sends, so pings are answered and a close is noticed."""
    async for message in ws:
        if message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
            break
    queue.put_nowait(None)
