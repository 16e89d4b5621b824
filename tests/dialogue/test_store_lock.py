"""The in-process conversation lock: one turn at a time, and among waiting turns the earliest message first."""
from __future__ import annotations

import asyncio

import pytest

from dialogue.store import InMemoryConversationStore, TurnOrder


async def test_waiting_turns_run_in_message_order_not_in_the_order_they_asked():
    store = InMemoryConversationStore(60)
    ran: list[str] = []
    holding = asyncio.Event()

    async def turn(name: str, order: TurnOrder, hold_s: float = 0.0) -> None:
        async with store.lock("wechat:oLocal", order):
            ran.append(name)
            holding.set()
            await asyncio.sleep(hold_s)

    first = asyncio.create_task(turn("first", TurnOrder(100.0, 1), hold_s=0.1))
    await holding.wait()
    later = asyncio.create_task(turn("later", TurnOrder(200.0, 9)))  # asks first
    await asyncio.sleep(0.01)
    earlier = asyncio.create_task(turn("earlier", TurnOrder(200.0, 8)))
    await asyncio.gather(first, later, earlier)
    assert ran == ["first", "earlier", "later"]


async def test_a_cancelled_waiter_neither_holds_nor_blocks_the_conversation():
    store = InMemoryConversationStore(60)
    async with store.lock("app:u1"):
        waiter = asyncio.create_task(store.lock("app:u1").__aenter__())
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    async with asyncio.timeout(1):
        async with store.lock("app:u1"):
            pass
    assert store._turns == {}
