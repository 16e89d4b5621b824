"""The 400 hotline on Twilio: `/voice/incoming`, `/voice/gather`, `/voice/result`, `/voice/status`.

Each webhook is checked with twilio's `RequestValidator` against the public URL (403 otherwise). A call is one
conversation keyed by its CallSid; the caller's number is the channel identity (withheld numbers get their own
per-call identity). See https://www.twilio.com/docs/usage/webhooks/voice-webhooks
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any, Awaitable, Callable, Mapping

from aiohttp import web
from twilio.request_validator import RequestValidator

from channels.base import Channel, OutboundChannel
from channels.voice.calls import CallState, CallStore
from channels.voice.settings import VoiceSettings
from channels.voice.speech import clean_digits, clean_transcript
from channels.voice.twiml import GATHER_PATH, RECORDING_PATH, RESULT_PATH, Prompt, hold, render, spoken
from dialogue.templates import Templates
from dialogue.types import Button, InboundMessage, MessageKind, OnMessage, Reply, ReplyKind, TurnFailed

log = logging.getLogger(__name__)

Circuits = Callable[[str], Awaitable[list[tuple[str, str]]]]
"""A calling number's circuits as (circuit id, what the caller hears: address and service), [] when unbound."""

CHANNEL = "voice"
_CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_ENDED = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
_RECORDING_URL = re.compile(r"^https://[\w.-]+(?::\d+)?/[\w./-]{1,300}$")
NOBODY_THERE = frozenset({"handoff_busy", "handoff_closed"})
MAX_HOLDS = 3
LOCATION_QUESTION = "ask_location"
MAX_CIRCUITS = 8           # keys 1-8: 9 repeats, 0 is a person
TWIML = "application/xml"
RATINGS = frozenset("12345")
SURVEY_THANKS = frozenset({"survey_thanks", "survey_thanks_low"})
HEARD_WORDS = 3          # the caller's last utterances kept for the agent's summary
SUMMARY_CHARS = 120


class VoiceChannel:
    """Turns Twilio's voice webhooks into turns of the dialogue and its replies into TwiML."""

    name = CHANNEL

    def __init__(self, on_message: OnMessage, settings: VoiceSettings, calls: CallStore, templates: Templates,
                 sms: OutboundChannel | None = None, circuits: Circuits | None = None):
        self._on_message = on_message
        self._sms = sms
        self._circuits = circuits
        self.companions: tuple[Channel, ...] = (sms,) if sms is not None else ()   # built and run beside it
        self._settings = settings
        self._calls = calls
        self._templates = templates
        self._validator = RequestValidator(settings.auth_token)
        self._running: dict[str, asyncio.Task[list[Reply]]] = {}
        self._held: set[str] = set()   # calls whose turn outran the deadline: their caller is on hold

    def setup(self, app: web.Application) -> None:
        """Register the webhooks."""
        app.router.add_post("/voice/incoming", self.incoming)
        app.router.add_post(GATHER_PATH, self.gather)
        app.router.add_post(RESULT_PATH, self.result)
        app.router.add_post("/voice/status", self.status)
        app.router.add_post(RECORDING_PATH, self.recording)

    # webhooks

    async def incoming(self, request: web.Request) -> web.Response:
        """A new call: greet (by company name when the number belongs to a contact) and offer the menu."""
        form = await self._verified_form(request)
        state = CallState(form["CallSid"], caller=_caller(form))
        return await self._turn(state, "/greet", MessageKind.BUTTON, {"event": "call_start"})

    async def gather(self, request: web.Request) -> web.Response:
        """The caller's speech or keys for the current prompt, or nothing at all (the fallback ladder)."""
        form = await self._verified_form(request)
        state = await self._calls.get(form["CallSid"]) or CallState(form["CallSid"], caller=_caller(form))
        digits, speech = form.get("Digits", ""), form.get("SpeechResult", "")
        if state.stage == "sms" and speech.strip() and not digits:
            state.stage = ""   # the caller moved on: what they said is the next turn
        if state.stage and not state.ended:
            return await self._staged(state, clean_digits(digits) if digits else None)
        if digits:
            return await self._keys(state, digits)
        text = clean_transcript(speech, self._settings.max_speech_chars)
        if not text or _confidence(form) < self._settings.min_confidence:
            return await self._missed(state)
        state.misses = 0
        state.heard = [*state.heard, text][-HEARD_WORDS:]
        return await self._turn(state, text, MessageKind.VOICE, {"confidence": _confidence(form)})

    async def result(self, request: web.Request) -> web.Response:
        """The answer of a turn that outran the deadline, or another hold while it is still running."""
        form = await self._verified_form(request)
        state = await self._calls.get(form["CallSid"])
        if state is None:
            return await self._turn(CallState(form["CallSid"], caller=_caller(form)), "/greet", MessageKind.BUTTON, {})
        raw = request.query.get("hold", "1")
        holds = int(raw) if raw.isdecimal() else MAX_HOLDS   # isdigit() would let "²" through to int() (a 500)
        return await self._collect(state, holds)

    async def status(self, request: web.Request) -> web.Response:
        """Call progress; a finished call is marked ended (a late webhook cannot revive it) and the conversation
        told, so a form left half-way is noted and nothing is opened."""
        form = await self._verified_form(request)
        if form.get("CallStatus", "") in _ENDED:
            state = await self._calls.get(form["CallSid"])
            if state is not None and not state.ended:
                state.ended = True
                await self._calls.put(state)
                await self._run(InboundMessage(
                    channel=CHANNEL, user_id=_user_id(state), conversation_id=_conversation_id(state),
                    kind=MessageKind.HANGUP,
                    message_id=f"{state.call_sid}:end", metadata={"call_sid": state.call_sid}))
            log.info("voice.call_ended call=%s status=%s turns=%s", form["CallSid"], form.get("CallStatus"),
                     state.turns if state else 0)
        return web.Response(status=204)

    async def recording(self, request: web.Request) -> web.Response:
        """The voicemail left after "nobody can take your call" (or none): kept for the callback ticket, then the
        callback question the engine asked."""
        form = await self._verified_form(request)
        state = await self._calls.get(form["CallSid"])
        if state is None or state.ended:
            return web.Response(text=render(Prompt((), hang_up=True), self._settings), content_type=TWIML)
        url = form.get("RecordingUrl", "")
        if _RECORDING_URL.match(url):
            state.recording = url
            log.info("voice.voicemail call=%s duration=%s", state.call_sid, form.get("RecordingDuration", ""))
        thanks = (self._text("voice_voicemail_kept"),) if state.recording else ()
        return await self._reply(state, Prompt((*thanks, *state.prompt), collect_digits=state.collect_digits))

    # the ladder

    async def _keys(self, state: CallState, raw: str) -> web.Response:
        digits = clean_digits(raw)
        if digits is None:
            return await self._missed(state)
        state.misses = 0
        if state.circuits and digits.isdigit() and 0 < int(digits) <= len(state.circuits):
            return await self._turn(state, state.circuits[int(digits) - 1], MessageKind.DTMF, {"keypad": digits})
        if state.collect_digits:
            if set(state.templates) & self._settings.ticket_templates and digits.isdigit():
                digits = self._settings.ticket_prefix + digits   # nobody can key in the letters of GD…
            return await self._turn(state, digits, MessageKind.DTMF, {})
        if digits == self._settings.repeat_key:
            return await self._reply(state, Prompt(tuple(state.prompt), collect_digits=state.collect_digits))
        payload = self._settings.menu_payload(digits)
        if payload and (state.keypad_menu or not state.buttons or payload == "/request_human"):
            return await self._turn(state, payload, MessageKind.BUTTON, {"keypad": digits})
        return await self._turn(state, digits, MessageKind.DTMF, {})

    async def _staged(self, state: CallState, digits: str | None) -> web.Response:
        """The answer to the channel's own question: send the ticket number by SMS, or the survey's 1-5."""
        stage, state.stage = state.stage, ""
        if stage == "sms":
            if digits == "1":
                told = await self._send_ticket(state)
                return await self._reply(state, Prompt((told, self._text("voice_anything_else"))))
            if digits is None:   # silence or keys a keypad cannot send: the offer once more, then let it go
                state.misses += 1
                if state.misses == 1:
                    state.stage = stage
                    return await self._reply(state, Prompt((self._text("voice_not_heard"), *state.prompt)))
            state.misses = 0
            return await self._reply(state, Prompt((self._text("voice_anything_else"),)))
        if digits is not None and digits in RATINGS:
            state.misses = 0
            state.stage = stage     # the engine's answer closes the call (see _respond)
            payload = "/rate_service" + json.dumps({"rating": digits})
            return await self._turn(state, payload, MessageKind.BUTTON, {"survey": digits})
        state.misses += 1
        if state.misses == 1:
            state.stage = stage
            return await self._reply(state, Prompt((self._text("voice_survey_again"),)))
        state.surveyed = True
        return await self._reply(state, Prompt(tuple(state.closing), hang_up=True))

    async def _send_ticket(self, state: CallState) -> str:
        """The ticket number by SMS to the calling number, through the outbound interface; what to tell the caller."""
        if self._sms is None or not state.caller:
            return self._text("voice_sms_failed")
        sms = self._templates.reply("voice_sms_ticket", "sms", number=state.ticket)
        delivery = await self._sms.send(state.caller, [sms], kind="ticket_number")
        log.info("voice.sms call=%s delivered=%s detail=%s", state.call_sid, delivery.delivered, delivery.detail)
        return self._text("voice_sms_sent" if delivery.delivered else "voice_sms_failed")

    async def _missed(self, state: CallState) -> web.Response:
        """Silence or speech too unsure to act on: rephrase once, then the keypad menu, then a person."""
        state.misses += 1
        if state.misses == 1:
            sentences = (self._text("voice_not_heard"), *state.prompt)
            return await self._reply(state, Prompt(sentences, collect_digits=state.collect_digits))
        if state.misses == 2:
            state.keypad_menu, state.circuits = True, []
            return await self._reply(state, Prompt((self._keypad_menu(),)))
        state.misses = 0
        return await self._turn(state, "/request_human", MessageKind.BUTTON, {"ladder": "agent"})

    # turns

    def _message(self, state: CallState, text: str, kind: MessageKind, metadata: dict[str, Any]) -> InboundMessage:
        state.turns += 1
        recording = {"recording_url": state.recording} if state.recording else {}
        return InboundMessage(channel=CHANNEL, user_id=_user_id(state), conversation_id=_conversation_id(state),
                              text=text, kind=kind,
                              message_id=f"{state.call_sid}:{state.turns}",
                              metadata={"call_sid": state.call_sid, **recording, **metadata})

    async def _turn(self, state: CallState, text: str, kind: MessageKind, metadata: dict[str, Any]) -> web.Response:
        if state.ended:
            return web.Response(text=render(Prompt((), hang_up=True), self._settings), content_type=TWIML)
        state.pending = None
        message = self._message(state, text, kind, metadata)
        await self._calls.put(state)
        task = asyncio.ensure_future(self._run(message))
        self._running[state.call_sid] = task
        sid = state.call_sid
        task.add_done_callback(lambda done: asyncio.ensure_future(self._finished(sid, done)))
        return await self._collect(state, 0)

    async def _collect(self, state: CallState, holds: int) -> web.Response:
        task = self._running.get(state.call_sid)
        if task is not None:
            try:
                replies = await asyncio.wait_for(asyncio.shield(task), self._settings.deadline_s)
            except asyncio.TimeoutError:
                self._held.add(state.call_sid)
                return self._hold(holds)
            self._running.pop(state.call_sid, None)
            self._held.discard(state.call_sid)
            return await self._respond(state, replies)
        fresh = await self._calls.get(state.call_sid)
        if fresh is not None and fresh.pending is not None:
            replies = [_reply_from_dict(item) for item in fresh.pending]
            fresh.pending = None
            return await self._respond(fresh, replies)
        await asyncio.sleep(min(1.0, self._settings.deadline_s))
        return self._hold(holds)

    def _hold(self, holds: int) -> web.Response:
        if holds >= MAX_HOLDS:
            prompt = Prompt((self._text("internal_error"),), hang_up=True)
            return web.Response(text=render(prompt, self._settings), content_type=TWIML)
        body = hold(self._text("voice_hold"), self._settings, f"{RESULT_PATH}?hold={holds + 1}")
        return web.Response(text=body, content_type=TWIML)

    async def _run(self, message: InboundMessage) -> list[Reply]:
        try:
            return await self._on_message(message)
        except TurnFailed as exc:
            return exc.replies
        except Exception:  # the caller must hear something, never silence or a 500
            log.exception("voice.turn_failed conversation_id=%s", message.conversation_id)
            return [Reply(self._text("internal_error"), kind=ReplyKind.ERROR)]

    async def _finished(self, call_sid: str, task: asyncio.Task[list[Reply]]) -> None:
        """Keep a held turn's replies with the call, so a redirect that reaches another process finds them."""
        if call_sid not in self._held or task.cancelled():
            return
        self._held.discard(call_sid)
        self._running.pop(call_sid, None)
        state = await self._calls.get(call_sid)
        if state is not None and state.pending is None:
            state.pending = [_reply_to_dict(r) for r in task.result()]
            await self._calls.put(state)

    async def _reply(self, state: CallState, prompt: Prompt) -> web.Response:
        if not prompt.transfer and not prompt.hang_up:
            state.prompt = list(prompt.sentences)
            state.collect_digits = prompt.collect_digits
        state.pending = None
        await self._calls.put(state)
        return web.Response(text=render(prompt, self._settings), content_type=TWIML)

    async def _respond(self, state: CallState, replies: list[Reply]) -> web.Response:
        """The engine's replies as the next prompt, with the phone's own closing questions: the ticket number by
        SMS after a ticket is opened, the 1-5 survey before a goodbye on a call that resolved something."""
        if state.stage == "survey":   # the rating was stored (or there was nothing to rate): thank and hang up
            state.stage, state.surveyed = "", True
            thanks = [spoken(r.text) for r in replies if r.template in SURVEY_THANKS]
            return await self._reply(state, Prompt((*(thanks or [self._text("voice_survey_thanks")]), *state.closing),
                                                   hang_up=True))
        state.resolved = state.resolved or any(r.template == "kb_solved" for r in replies)
        prompt = self._prompt(replies, state)
        if prompt.hang_up and not state.surveyed and await self._survey_due(state):
            state.stage, state.closing, state.misses = "survey", list(prompt.sentences), 0
            return await self._reply(state, Prompt((self._text("voice_survey_ask"),)))
        number = next((str(r.data["number"]) for r in replies if r.kind == ReplyKind.TICKET and r.data.get("number")),
                      None)
        if number and self._sms is not None and state.caller and not (prompt.hang_up or prompt.transfer):
            state.stage, state.ticket, state.misses = "sms", number, 0
            prompt = Prompt((*prompt.sentences, self._text("voice_sms_offer")))
        state.circuits = []
        if LOCATION_QUESTION in state.templates and not prompt.hang_up and not prompt.transfer:
            prompt = await self._circuit_keys(state, prompt)
        refused = [i for i, r in enumerate(replies) if r.template in NOBODY_THERE]
        if refused and self._settings.voicemail and not state.recording and not (prompt.hang_up or prompt.transfer):
            return await self._voicemail(state, prompt, refused[-1] + 1)
        return await self._reply(state, prompt)

    async def _voicemail(self, state: CallState, prompt: Prompt, told: int) -> web.Response:
        """Why nobody comes, a voicemail, then (from the recording webhook) the callback question that followed."""
        state.prompt, state.collect_digits, state.pending = list(prompt.sentences[told:]), prompt.collect_digits, None
        await self._calls.put(state)
        sentences = (*prompt.sentences[:told], self._text("voice_voicemail_offer"))
        return web.Response(text=render(Prompt(sentences, record=True), self._settings), content_type=TWIML)

    async def _circuit_keys(self, state: CallState, prompt: Prompt) -> Prompt:
        """At the location question, a bound caller's circuits as a numbered keypad list (nobody keys in letters)."""
        if self._circuits is None or not state.caller:
            return prompt
        try:
            found = (await self._circuits(state.caller))[:MAX_CIRCUITS]
        except Exception:  # the list is a convenience: without it the caller still says the place
            log.warning("voice.circuits_unavailable call=%s", state.call_sid, exc_info=True)
            return prompt
        if not found:
            return prompt
        state.circuits, state.buttons = [circuit for circuit, _ in found], []
        keys = "，".join(self._text("voice_press", title=heard, key=i) for i, (_, heard) in enumerate(found, start=1))
        return Prompt((*prompt.sentences, self._text("voice_circuit_keys", choices=keys)))

    async def _survey_due(self, state: CallState) -> bool:
        """Whether this caller has a survey waiting (asked of the engine, which asks the desk) or was helped now."""
        if state.resolved:
            return True
        if not state.caller:
            return False
        probe = self._message(state, "/rate_service", MessageKind.BUTTON, {"event": "survey_probe"})
        return any(r.template == "survey_ask" for r in await self._run(probe))

    def _prompt(self, replies: list[Reply], state: CallState) -> Prompt:
        """The caller's next prompt from the engine's replies: spoken texts, keys for buttons, hang-up or transfer."""
        sentences = [spoken(reply.text) for reply in replies]
        with_buttons = [i for i, reply in enumerate(replies) if reply.buttons]
        buttons: list[str] = []
        if with_buttons:  # only the last choice is live (a digit answers it); earlier ones would mislead
            last = with_buttons[-1]
            buttons = [b.title for b in replies[last].buttons]
            keys = "，".join(self._text("voice_press", title=title, key=i) for i, title in enumerate(buttons, start=1))
            text = sentences[last].rstrip("。，,：: ")
            sentences[last] = f"{text}{'' if text.endswith(('？', '?', '！', '!')) else '。'}{keys}。"
        state.buttons = buttons
        state.templates = [r.template or "" for r in replies]
        state.keypad_menu = False
        kinds = {r.kind for r in replies}
        if ReplyKind.GOODBYE in kinds:
            return Prompt(tuple(sentences), hang_up=True)
        if any(r.kind == ReplyKind.HANDOFF and r.template == "handoff_queued" for r in replies):
            return Prompt(tuple(sentences), transfer=True, transfer_note=self._task(state))
        digits = any(r.template in self._settings.digit_templates for r in replies)
        if digits:
            sentences.append(self._text("voice_digits_hint"))
        return Prompt(tuple(sentences), collect_digits=digits)

    def _task(self, state: CallState) -> str:
        """The queued call's attributes for the agent desk: the conversation and a one-line summary."""
        summary = "；".join(state.heard)[-SUMMARY_CHARS:] or self._text("voice_summary_keys")
        return json.dumps({"conversation_id": _conversation_id(state), "channel": CHANNEL,
                           "summary": summary}, ensure_ascii=False)

    def _keypad_menu(self) -> str:
        settings = self._settings
        keys = [*((k, title) for k, title, _ in settings.keypad_menu), (settings.repeat_key, settings.repeat_title)]
        choices = "，".join(self._text("voice_press", title=title, key=key) for key, title in keys)
        return self._text("voice_keypad_menu", choices=choices)

    def _text(self, name: str, **values: Any) -> str:
        return self._templates.text(name, CHANNEL, **values)

    async def _verified_form(self, request: web.Request) -> Mapping[str, str]:
        """The webhook's form, once its X-Twilio-Signature matches the public URL and the parameters."""
        try:
            form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        except (ValueError, UnicodeDecodeError):
            raise web.HTTPBadRequest(text="body is not a form") from None
        url = self._settings.public_url.rstrip("/") + request.path_qs
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not self._validator.validate(url, form, signature):
            log.warning("voice.signature_invalid path=%s", request.path)
            raise web.HTTPForbidden(text="invalid signature")
        if not _CALL_SID.match(form.get("CallSid", "")):
            raise web.HTTPBadRequest(text="CallSid is missing or malformed")
        return form


def _caller(form: Mapping[str, str]) -> str:
    """The caller's E.164 number, or '' when withheld or not a number (anonymous, restricted, unknown)."""
    number = form.get("From", "").strip()
    return number if _E164.match(number) else ""


def _user_id(state: CallState) -> str:
    """The channel identity: the calling number, or a per-call one when the number is withheld."""
    return state.caller or f"withheld:{state.call_sid}"


def _conversation_id(state: CallState) -> str:
    """One call is one conversation."""
    return f"{CHANNEL}:{state.call_sid}"


def _confidence(form: Mapping[str, str]) -> float:
    raw = form.get("Confidence")
    if raw is None or raw == "":
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        return 0.0
    return value if 0.0 <= value <= 1.0 else 0.0


def _reply_to_dict(reply: Reply) -> dict[str, Any]:
    number = reply.data.get("number")
    return {"text": reply.text, "buttons": [[b.title, b.payload] for b in reply.buttons], "kind": reply.kind.value,
            "template": reply.template, "data": {"number": str(number)} if number else {}}


def _reply_from_dict(data: dict[str, Any]) -> Reply:
    return Reply(data["text"], tuple(Button(t, p) for t, p in data.get("buttons", [])), ReplyKind(data["kind"]),
                 data.get("template"), dict(data.get("data") or {}))
