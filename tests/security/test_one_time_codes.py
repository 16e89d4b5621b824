"""One-time binding codes: limited per channel identity and per mobile, wrong codes counted across restarts of the
flow, and never written to a log (issue 12)."""
from __future__ import annotations

import logging
import re

import pytest

from backend_client import Conflict
from servicedesk.sms import LogOtpSender
from tests.backend.helpers import SettableClock
from tests.conftest import seeded_desk

TEACHER = ("KH44060002", "13900139002")
"""A cluster account's registered contact (demo data)."""


class Inbox:
    """The contact's phone: what the desk sent (the real sender is the SMS gateway)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def send(self, mobile: str, text: str) -> None:
        self.texts.append(text)

    def last_code(self) -> str:
        return re.search(r"(?<!\d)\d{6}(?!\d)", self.texts[-1]).group(0)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def desk(database_url, clock):  # type: ignore[no-untyped-def]
    inbox = Inbox()
    async with seeded_desk(database_url, clock=clock, otp_sender=inbox) as local:
        local.inbox = inbox
        yield local


async def test_one_identity_gets_a_few_codes_an_hour_and_then_must_wait(desk, clock):
    for _ in range(5):
        assert await desk.start_verification("wechat", "o-spammer", *TEACHER)
    with pytest.raises(Conflict) as limited:
        await desk.start_verification("wechat", "o-spammer", *TEACHER)
    assert limited.value.code == "otp.rate_limited" and len(desk.inbox.texts) == 5
    clock.advance(minutes=61)
    assert await desk.start_verification("wechat", "o-spammer", *TEACHER)


async def test_one_mobile_gets_a_bounded_number_of_codes_whoever_asks(desk):
    for n in range(10):
        assert await desk.start_verification("app", f"bot-{n}", *TEACHER)
    with pytest.raises(Conflict):
        await desk.start_verification("app", "bot-new", *TEACHER)
    assert len(desk.inbox.texts) == 10


async def test_guessing_pairs_counts_too(desk):
    """An attacker trying mobiles for an account burns the same allowance, matched or not."""
    for guess in range(5):
        assert not await desk.start_verification("wechat", "o-prober", "KH44060002", f"1370000000{guess}")
    with pytest.raises(Conflict):
        await desk.start_verification("wechat", "o-prober", *TEACHER)
    assert desk.inbox.texts == []


async def test_restarting_the_flow_does_not_reset_the_wrong_code_count(desk):
    for _ in range(2):
        await desk.start_verification("wechat", "o-guesser", *TEACHER)
        for guess in ("000000", "111111", "222222"):
            if guess != desk.inbox.last_code():
                await desk.confirm_verification("wechat", "o-guesser", guess)
    await desk.start_verification("wechat", "o-guesser", *TEACHER)
    assert await desk.confirm_verification("wechat", "o-guesser", desk.inbox.last_code()) is None
    assert await desk.find_binding("wechat", "o-guesser") is None


async def test_the_right_code_binds_after_a_couple_of_typos(desk):
    await desk.start_verification("wechat", "o-careful", *TEACHER)
    code = desk.inbox.last_code()
    wrong = "123456" if code != "123456" else "654321"
    assert await desk.confirm_verification("wechat", "o-careful", wrong) is None
    binding = await desk.confirm_verification("wechat", "o-careful", code)
    assert binding is not None and binding.customer_code == "KH44060002"


async def test_the_log_sender_never_writes_the_code(caplog):
    caplog.set_level(logging.INFO, logger="servicedesk.sms")
    await LogOtpSender().send("13900139002", "【政企客服】您的验证码是 480913，5 分钟内有效，请勿告诉他人。")
    assert "480913" not in caplog.text and "******" in caplog.text


async def test_a_customer_over_the_limit_is_told_to_wait_not_sent_an_apology(sqlite_url):
    """Through the engine: the sixth binding attempt in an hour gets its own answer and an agent button."""
    from dialogue.engine import Engine
    from dialogue.store import InMemoryConversationStore
    from dialogue.templates import Templates
    from dialogue.types import InboundMessage
    from tests.fakes import KeywordInterpreter

    async with seeded_desk(sqlite_url, otp_sender=Inbox()) as local:
        engine = Engine(KeywordInterpreter(), InMemoryConversationStore(ttl_s=3600), local, Templates.load())

        async def say(text: str) -> list[str]:
            message = InboundMessage(channel="wechat", user_id="o-eager", conversation_id="wechat:o-eager", text=text)
            return [reply.template for reply in await engine.handle(message)]

        for _ in range(5):
            await say("/bind_account")
            await say("KH44060002")
            assert await say("手机号是13900139002") == ["ask_bind_code"]
        await say("/bind_account")
        await say("KH44060002")
        told = await say("手机号是13900139002")
        assert told[0] == "bind_rate_limited"  # then back to the code already sent, which still binds
