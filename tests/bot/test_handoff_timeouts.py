"""The hand-off timeout job: a customer who waits in silence is offered a callback once, through their channel."""
from __future__ import annotations

from datetime import timedelta

from bot.handoff_timeouts import expire_waits
from channels.agent_desk.board import Board
from channels.base import Delivery
from dialogue.handoff import HandoffSettings
from tests.dialogue.test_handoff import Rig, drain

GROUPS = frozenset({"gd-400"})


class Sent:
    """What the job hands to the outbound channels (their own delivery is tested with each channel)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, list[str]]] = []

    async def __call__(self, channel: str, recipient: str, replies) -> Delivery:
        self.messages.append((channel, recipient, [r.template for r in replies]))
        return Delivery(True, "recorded")


async def follow(board: Board, events) -> None:
    """Apply what was published (once per subscription: draining ends it), as the desk's live follower does."""
    for event in await drain(events):
        await board.apply(event)


async def test_only_the_customer_who_waited_too_long_is_offered_and_leaves_the_board(desk):
    rig, board, sent = Rig(desk, HandoffSettings(waiting_timeout_s=120)), Board(), Sent()
    async with rig.bus.subscribe() as events:
        await rig.say("转人工 我们的发票开错了", user="early")
        rig.clock.now += timedelta(seconds=100)
        await rig.say("转人工", user="late")
        await rig.say("转人工", user="taken")
        await rig.agents.accept("app:taken", "agent-7")
        await follow(board, events)
    rig.clock.now += timedelta(seconds=30)
    async with rig.bus.subscribe() as events:
        assert await expire_waits(board, GROUPS, rig.engine.handle, sent) == 1
        assert sent.messages == [("app", "early", ["handoff_timeout", "ask_callback_phone"])]
        await follow(board, events)
    assert [e.conversation_id for e in await board.entries(GROUPS)] == ["app:late", "app:taken"]
    assert (await rig.state("late"))["owner"] == "waiting_agent"
    assert (await rig.state("taken"))["owner"] == "agent"
