"""Flows as a registry: a flow added here by registration alone is reached through Engine.handle with the real NLU."""
from __future__ import annotations

from backend_client import SYSTEM
from bot.components import open_components
from dialogue.conversation import FlowState
from dialogue.context import TurnContext
from dialogue.engine import Engine
from dialogue.flows import default_flows
from dialogue.forms import SimpleForm, Slot
from dialogue.registry import Flow, form_flow
from dialogue.templates import Templates
from dialogue.types import InboundMessage, Reply
from nlu import Parse

BOOKED: list[str] = []


class VisitForm(SimpleForm):
    """A made-up 预约上门 flow: asks when, then books (here: remembers the answer)."""

    name = "visit"
    slots = (Slot("when", "ask_description", accept_text=lambda text: text.strip() or None),)

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        BOOKED.append(state.slots["when"])
        return [ctx.reply("thank")]


async def _shout(ctx: TurnContext, parse: Parse) -> list[Reply]:
    return [ctx.reply("goodbye")]


async def say(engine: Engine, text: str) -> list[str | None]:
    return [r.template for r in await engine.handle(InboundMessage("app", "reg", "app:reg", text))]


async def test_a_registered_flow_is_started_resumed_and_outranks_by_priority(app_config):
    flows = default_flows()
    flows.register(form_flow(VisitForm(), 45, {"book_appointment"}))
    flows.register(Flow("loud_greeting", 25, _shout, frozenset({"greet"})))
    async with open_components(app_config()) as parts:
        engine = Engine(parts.interpreter, parts.store, parts.desk, Templates.load(), flows=flows)
        assert await say(engine, "想约个师傅明天下午上门帮我们装一下宽带") == ["ask_description"]
        assert await say(engine, "周五下午三点以后都行") == ["thank"]
        assert BOOKED == ["周五下午三点以后都行"]
        assert await say(engine, "你好呀") == ["goodbye"]   # 25 outranks the shipped small talk (20)
        assert await say(parts.engine, "你好呀") == ["greet"]   # the shipped table is untouched
        assert (await parts.desk.list_tickets(SYSTEM)).total == 0
