"""A phone that talks to our hotline webhooks as Twilio would: signed form posts, TwiML read back as text.

`frontdoor call`, the tests and `bench/voice.py` all use it, so what operators try is what the tests prove.
"""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from twilio.request_validator import RequestValidator

Post = Callable[[str, dict[str, str], dict[str, str]], Awaitable[tuple[int, str]]]
"""Sends a form to a path with headers; returns status and body."""


def new_call_sid() -> str:
    """A CallSid shaped like Twilio's (CA + 32 hex digits)."""
    return "CA" + uuid.uuid4().hex


@dataclass
class Heard:
    """One TwiML answer: what the caller hears and what Twilio is told to do next."""

    root: ET.Element

    @property
    def says(self) -> list[str]:
        return [node.text or "" for node in self.root.iter("Say")]

    @property
    def text(self) -> str:
        return " ".join(self.says)

    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather")

    def verb(self, name: str) -> ET.Element | None:
        return self.root.find(name)

    @property
    def next_step(self) -> str:
        """What happens after the speech: gather, hangup, transfer or redirect."""
        for tag, step in (("Gather", "gather"), ("Hangup", "hangup"), ("Enqueue", "transfer"), ("Dial", "transfer"),
                          ("Record", "record"), ("Redirect", "redirect")):
            if self.root.find(tag) is not None:
                return step
        return "hangup"


@dataclass
class Softphone:
    """One call from ``caller``: dial, speak, press keys, stay silent, hang up."""

    post_form: Post
    auth_token: str
    public_url: str
    caller: str = "+8613900001111"
    call_sid: str = field(default_factory=new_call_sid)

    def sign(self, path: str, params: dict[str, str]) -> str:
        """X-Twilio-Signature for ``path`` under the public URL, as Twilio computes it."""
        return RequestValidator(self.auth_token).compute_signature(self.public_url.rstrip("/") + path, params)

    async def post(self, path: str, **extra: str) -> tuple[int, str]:
        params = {"CallSid": self.call_sid, "AccountSid": "AC" + "0" * 32, "From": self.caller,
                  "To": "+864001234567", "CallStatus": "in-progress", **extra}
        return await self.post_form(path, params, {"X-Twilio-Signature": self.sign(path, params)})

    async def heard(self, path: str, **extra: str) -> Heard:
        status, body = await self.post(path, **extra)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}: {body[:200]}")
        heard = Heard(ET.fromstring(body))
        redirect = heard.verb("Redirect")   # after a <Record>, the redirect is taken only when nothing was said
        if redirect is not None and redirect.text and heard.verb("Record") is None:
            return await self.heard(redirect.text)
        return heard

    async def dial(self) -> Heard:
        return await self.heard("/voice/incoming", CallStatus="ringing")

    async def say(self, speech: str, confidence: str = "0.92") -> Heard:
        return await self.heard("/voice/gather", SpeechResult=speech, Confidence=confidence)

    async def press(self, digits: str) -> Heard:
        return await self.heard("/voice/gather", Digits=digits)

    async def silence(self) -> Heard:
        return await self.heard("/voice/gather")

    async def leave_message(self, recording_url: str = "", seconds: str = "12") -> Heard:
        """Speak after the beep (Twilio posts the recording's URL) or, with no URL, say nothing."""
        if not recording_url:
            return await self.heard("/voice/recording")
        return await self.heard("/voice/recording", RecordingUrl=recording_url, RecordingDuration=seconds, Digits="#")

    async def hang_up(self) -> int:
        status, _ = await self.post("/voice/status", CallStatus="completed", CallDuration="42")
        return status
