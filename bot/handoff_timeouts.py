"""Queued customers who hear nothing are told in time: a job offers the callback when nobody took their chat.

Without it the waiting timeout would only be noticed at the customer's next message, and a customer who simply
waits would wait forever. Each waiting conversation on the board goes through the engine (under its lock, so the
check, the offer and the history stay one turn); the engine says nothing for one an agent took meanwhile, so every
process may run the job.
"""
from __future__ import annotations

import logging
from typing import AsyncIterator, Awaitable, Callable

from aiohttp import web

from bot.channels import OUTBOUND
from bot.jobs import app_job
from bot.keys import COMPONENTS, CONFIG
from channels.agent_desk.board import Board
from channels.base import Delivery
from dialogue.types import InboundMessage, MessageKind, Reply, TurnFailed

log = logging.getLogger(__name__)

Turn = Callable[[InboundMessage], Awaitable[list[Reply]]]
Send = Callable[[str, str, list[Reply]], Awaitable[Delivery]]
LIVE_CHANNELS = frozenset({"voice"})
"""A caller on hold is still on the line: the call's own hold loop asks the engine at every turn."""
CHECKS_PER_TIMEOUT = 4
"""How often within one waiting timeout the queue is looked at (a customer is told at most a quarter late)."""


async def expire_waits(board: Board, groups: frozenset[str], turn: Turn, send: Send) -> int:
    """Run the wait check for every waiting conversation and deliver the offers; how many were offered."""
    offered = 0
    for entry in await board.entries(groups):
        if entry.state != "waiting" or entry.channel in LIVE_CHANNELS:
            continue
        check = InboundMessage(entry.channel, entry.user_id, entry.conversation_id, kind=MessageKind.WAITED)
        try:
            replies = await turn(check)
        except TurnFailed as failed:
            log.warning("handoff.timeout.check_failed conversation_id=%s reason=%s", entry.conversation_id,
                        failed.reason)
            continue
        if replies:
            delivery = await send(entry.channel, entry.user_id, replies)
            log.info("handoff.timeout.offered conversation_id=%s delivered=%s", entry.conversation_id,
                     delivery.delivered)
            offered += 1
    return offered


async def handoff_timeout_job(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx (after the channels'): the check while the agent desk's board exists and hand-off is on."""
    components, config = app[COMPONENTS], app[CONFIG]
    board = components.board
    interval = config.handoff.waiting_timeout_s / CHECKS_PER_TIMEOUT
    if board is None or not config.handoff.enabled:
        interval = 0
    groups = frozenset({config.handoff.group, *(g.id for g in config.servicedesk.groups)})

    async def run_once() -> int:
        assert board is not None
        return await expire_waits(board, groups, components.engine.handle, app[OUTBOUND].send)

    async with app_job(app, "handoff_timeouts", run_once, interval):
        yield
