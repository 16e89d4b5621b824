"""Random intents, entities and free text through Engine.handle (hypothesis): the form engine's invariants hold."""
from __future__ import annotations

import uuid
from collections import deque

from hypothesis import HealthCheck, given, settings, strategies as st

from backend_client import Actor, Reporter
from dialogue.engine import Engine
from dialogue.store import InMemoryConversationStore
from dialogue.templates import Templates
from dialogue.types import InboundMessage, ReplyKind, TurnFailed
from nlu import Entity, IntentScore, Parse

INTENTS = ("report_fault", "query_ticket", "urge_ticket", "query_outage", "ask_faq", "billing_inquiry",
           "provide_info", "affirm", "deny", "cancel", "greet", "thank", "goodbye", "out_of_scope",
           "request_human", "complaint", "bind_account", "rate_service", "service_request")
CALM = tuple(i for i in INTENTS if i not in {"affirm", "cancel", "request_human", "complaint", "report_fault",
                                            "bind_account", "urge_ticket"})
"""Middle turns that neither submit, cancel, hand off nor start a flow of their own."""
ENTITY_VALUES = {
    "service_type": st.sampled_from(["专线", "宽带", "互联网专线", "固话", "云主机"]),
    "circuit_id": st.sampled_from(["SZ-IPRAN-20231", "ZH-MSTP-004567", "DG-ETN-0071234"]),
    "phone_number": st.sampled_from(["13800138000", "13912345678", "12345", "020-87654321"]),
    "ticket_id": st.sampled_from(["GD209901010001", "GD202612040001"]),
    "region": st.sampled_from(["天河区", "南海区", "佛山市"]),
}
WORDS = st.sampled_from(["网断了", "慢", "嗯", "那个", "不对", "是宽带", "怎么回事？", "😭", "VPN", "LOS红灯", "还没好",
                         "佛山市南海区桂城街道", "等一下", "3号楼", "好吧", "ok", "不是专线", "电话改成", "谢谢啦"])
TEXT = st.lists(WORDS, min_size=1, max_size=4).map("".join)
YES_WORDS = frozenset({"好吧", "ok"})
"""A plain yes at a confirmation submits whatever the classifier read: not for turns meant to leave a form open."""
NO_YES_TEXT = st.lists(WORDS.filter(lambda w: w not in YES_WORDS), min_size=1, max_size=4).map("".join)


class ScriptedInterpreter:
    """Returns the prepared parses in order, whatever the text (the engine decides from them alone); a text read
    again (the request a customer agreed to switch to) gets its earlier parse."""

    def __init__(self) -> None:
        self.queue: deque[Parse] = deque()
        self.seen: dict[str, Parse] = {}

    async def parse(self, text: str) -> Parse:
        if not self.queue:
            return self.seen[text]
        self.seen[text] = parse = self.queue.popleft()
        return parse


@st.composite
def parses(draw, intents=INTENTS, words=TEXT) -> Parse:
    text = draw(words)
    entities = []
    for name in draw(st.lists(st.sampled_from(sorted(ENTITY_VALUES)), max_size=3, unique=True)):
        value = draw(ENTITY_VALUES[name])
        entities.append(Entity(name, value, len(text), len(text) + len(value), value))
        text += value
    unsure = draw(st.booleans()) and draw(st.booleans())
    intent = draw(st.sampled_from(intents))
    return Parse(text, intent, 0.3 if unsure else 0.95, (IntentScore(intent, 0.9),), tuple(entities), fallback=unsure)


def full_report(intent: str = "provide_info") -> Parse:
    text = "专线全断了SZ-IPRAN-2023113800138000"
    entities = (Entity("service_type", "专线", 0, 2, "专线"), Entity("circuit_id", "SZ-IPRAN-20231", 5, 19, "x"),
                Entity("phone_number", "13800138000", 19, 30, "x"))
    return Parse(text, intent, 0.95, (IntentScore(intent, 0.95),), entities)


def plain(intent: str) -> Parse:
    return Parse("好的" if intent == "affirm" else "算了", intent, 0.95, (IntentScore(intent, 0.95),))


class Chat:
    """One fresh customer talking to an engine on the shared desk; keeps what the invariants look at."""

    def __init__(self, desk) -> None:
        self.interpreter = ScriptedInterpreter()
        self.engine = Engine(self.interpreter, InMemoryConversationStore(3600), desk, Templates.load())
        self.user = f"prop-{uuid.uuid4().hex[:10]}"
        self.questions: list[str | None] = []
        self.opened = 0
        self.last: list = []

    async def say(self, parse: Parse) -> list:
        self.interpreter.queue.append(parse)
        try:
            replies = await self.engine.handle(InboundMessage("app", self.user, f"app:{self.user}", parse.text))
        except TurnFailed as exc:
            raise AssertionError(f"turn failed ({exc.reason}) on {parse}") from exc
        asks = [r.text for r in replies if r.kind in (ReplyKind.QUESTION, ReplyKind.CONFIRM)]
        self.questions.append(asks[-1] if asks else None)
        self.opened += sum(r.kind is ReplyKind.TICKET for r in replies)
        self.last = replies
        return replies

    def assert_no_question_thrice(self) -> None:
        for a, b, c in zip(self.questions, self.questions[1:], self.questions[2:]):
            assert not (a is not None and a == b == c), f"asked three times in a row: {a!r}"

    async def tickets(self, desk) -> int:
        return (await desk.list_tickets(Actor.customer(Reporter("app", self.user), None))).total


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(turns=st.lists(parses(), min_size=1, max_size=12))
async def test_any_sequence_runs_and_never_asks_the_same_question_three_times(desk, turns):
    chat = Chat(desk)
    for parse in turns:
        await chat.say(parse)
    chat.assert_no_question_thrice()


@FAST
@given(middle=st.lists(parses(CALM, NO_YES_TEXT), max_size=6), after=st.lists(parses(CALM + ("affirm",)), max_size=4))
async def test_a_cancelled_form_opens_nothing(desk, middle, after):
    chat = Chat(desk)
    await chat.say(Parse("专线断了", "report_fault", 0.95, (IntentScore("report_fault", 0.95),)))
    for parse in middle:
        await chat.say(parse)
    await chat.say(plain("cancel"))
    for parse in after:
        await chat.say(parse)
    assert chat.opened == 0 and await chat.tickets(desk) == 0
    chat.assert_no_question_thrice()


@FAST
@given(middle=st.lists(parses(CALM), max_size=6), repeats=st.integers(1, 3))
async def test_a_confirmed_form_opens_exactly_one_ticket(desk, middle, repeats):
    chat = Chat(desk)
    await chat.say(full_report("report_fault"))
    for parse in middle:   # "好吧" at the confirmation may already submit it
        await chat.say(parse)
    for _ in range(4):
        if chat.opened or any(r.template == "fault_confirm" for r in chat.last):
            break
        await chat.say(full_report())
    assert chat.opened or chat.last[-1].template == "fault_confirm", [r.template for r in chat.last]
    for _ in range(repeats):
        await chat.say(plain("affirm"))
    assert chat.opened == 1 and await chat.tickets(desk) == 1
