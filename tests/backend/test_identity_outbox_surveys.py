"""Binding a channel identity by SMS code, the outbox's leases and retries, and satisfaction surveys."""
from __future__ import annotations

import re

import pytest
from aiohttp import web

from backend_client import BackendUnavailable, Conflict, Invalid, TicketStatus as S
from servicedesk.sms import TwilioSmsSender
from tests.backend.helpers import STAFF, SettableClock, customer, incident
from tests.conftest import seeded_desk


class RecordingSender:
    """An OtpSender that keeps what it was asked to send (the real one is the SMS gateway)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, mobile: str, text: str) -> None:
        self.sent.append((mobile, text))

    def last_code(self) -> str:
        return re.search(r"\d{6}", self.sent[-1][1]).group(0)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def sms() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
async def desk(database_url, clock, sms):  # type: ignore[no-untyped-def]
    async with seeded_desk(database_url, clock=clock, otp_sender=sms) as local:
        yield local


async def test_binding_needs_matching_code_and_mobile_then_the_right_code(desk, sms):
    assert not await desk.start_verification("wechat", "o-1", "KH44060002", "13800000000")
    assert sms.sent == []
    assert await desk.start_verification("wechat", "o-1", "kh44060002", "13900139002")
    assert sms.sent[-1][0] == "13900139002" and "5 分钟" in sms.sent[-1][1]
    code = sms.last_code()
    wrong = "000000" if code != "000000" else "111111"
    assert await desk.confirm_verification("wechat", "o-1", wrong) is None
    binding = await desk.confirm_verification("wechat", "o-1", code)
    assert binding.customer_code == "KH44060002" and binding.contact_name == "王老师"
    assert await desk.find_binding("wechat", "o-1") == binding
    assert await desk.confirm_verification("wechat", "o-1", code) is None  # used up


async def test_codes_expire_and_attempts_are_limited(desk, sms, clock):
    await desk.start_verification("app", "a-1", "KH44060002", "13900139002")
    clock.advance(minutes=6)
    assert await desk.confirm_verification("app", "a-1", sms.last_code()) is None
    await desk.start_verification("app", "a-1", "KH44060002", "13900139002")
    code = sms.last_code()
    for _ in range(5):
        await desk.confirm_verification("app", "a-1", "999999" if code != "999999" else "888888")
    assert await desk.confirm_verification("app", "a-1", code) is None


async def test_outbox_leases_retries_with_backoff_and_gives_up(desk, clock):
    ticket = (await desk.open_ticket(incident("o"))).ticket
    await desk.transition(ticket.number, S.RESOLVED, STAFF, note="已恢复")
    [note] = await desk.claim_notifications("app", lease_s=60)
    assert note.attempts == 1
    assert await desk.claim_notifications("app") == []  # leased: a second deliverer gets nothing
    clock.advance(seconds=61)
    [again] = await desk.claim_notifications("app")  # lease ran out (deliverer died): due again
    await desk.notification_failed(again.id, "45015 outside window", retry=True)
    assert await desk.claim_notifications("app") == []
    clock.advance(seconds=61)  # back-off 30 s × 2
    [third] = await desk.claim_notifications("app")
    await desk.notification_delivered(third.id)
    clock.advance(hours=1)
    assert await desk.claim_notifications("app") == []


async def test_not_retryable_failure_is_final(desk):
    ticket = (await desk.open_ticket(incident("f"))).ticket
    await desk.transition(ticket.number, S.RESOLVED, STAFF, note="ok")
    [note] = await desk.claim_notifications("app", lease_s=0)
    await desk.notification_failed(note.id, "43004 unsubscribed", retry=False)
    assert await desk.claim_notifications("app") == []


async def test_survey_is_answered_once_against_the_resolving_group(desk):
    binding = await desk.find_binding("app", "demo-bound")
    ticket = (await desk.open_ticket(incident("s", customer_id=binding.customer_id, user="demo-bound"))).ticket
    contact = customer("demo-bound", binding)
    assert await desk.pending_survey(contact) is None
    await desk.transition(ticket.number, S.RESOLVED, STAFF, note="ok")
    with pytest.raises(Invalid):
        await desk.answer_survey(ticket.number, 6, None, contact)
    survey = await desk.answer_survey(ticket.number, 5, "处理很快", contact)
    assert (survey.score, survey.group, survey.status) == (5, "gd-gz", "answered")
    with pytest.raises(Conflict):
        await desk.answer_survey(ticket.number, 4, None, contact)
    assert await desk.pending_survey(contact) is None


async def test_twilio_sender_posts_the_documented_form_with_basic_auth(aiohttp_server):
    received: list = []

    async def messages(request: web.Request) -> web.Response:
        received.append((request.match_info["sid"], request.headers["Authorization"], dict(await request.post())))
        if len(received) > 1:
            return web.json_response({"code": 21211, "message": "Invalid 'To' Phone Number"}, status=400)
        return web.json_response({"sid": "SM123", "status": "queued"}, status=201)

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", messages)
    server = await aiohttp_server(app)
    sender = TwilioSmsSender("AC123", "secret", "+15005550006", base_url=str(server.make_url("")))
    await sender.send("13900139002", "验证码 123456")
    sid, auth, form = received[0]
    assert sid == "AC123" and auth.startswith("Basic ")
    assert form == {"To": "+8613900139002", "From": "+15005550006", "Body": "验证码 123456"}
    with pytest.raises(BackendUnavailable, match="21211"):
        await sender.send("1", "x")
