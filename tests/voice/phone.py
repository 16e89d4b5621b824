"""A caller's phone as Twilio would drive our webhooks: form posts signed with twilio's RequestValidator."""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from twilio.request_validator import RequestValidator

AUTH_TOKEN = "test-twilio-auth-token-0123456789"
PUBLIC_URL = "https://hotline.example.cn"


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


@dataclass
class Heard:
    """One TwiML answer, parsed."""

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


@dataclass
class Phone:
    """One call: posts to /voice/incoming, /voice/gather, /voice/status as Twilio does, signed."""

    client: object
    caller: str = "+8613900001111"
    call_sid: str = field(default_factory=new_call_sid)
    token: str = AUTH_TOKEN

    def sign(self, path: str, params: dict[str, str]) -> str:
        return RequestValidator(self.token).compute_signature(PUBLIC_URL + path, params)

    async def post(self, path: str, **extra: str) -> tuple[int, str]:
        params = {"CallSid": self.call_sid, "AccountSid": "AC" + "0" * 32, "From": self.caller,
                  "To": "+864001234567", "CallStatus": "in-progress", **extra}
        response = await self.client.post(path, data=params, headers={"X-Twilio-Signature": self.sign(path, params)})
        return response.status, await response.text()

    async def heard(self, path: str, **extra: str) -> Heard:
        status, body = await self.post(path, **extra)
        assert status == 200, body
        return Heard(ET.fromstring(body))

    async def dial(self) -> Heard:
        return await self.heard("/voice/incoming", CallStatus="ringing")

    async def say(self, speech: str, confidence: str = "0.92") -> Heard:
        return await self.heard("/voice/gather", SpeechResult=speech, Confidence=confidence)

    async def press(self, digits: str) -> Heard:
        return await self.heard("/voice/gather", Digits=digits)

    async def silence(self) -> Heard:
        return await self.heard("/voice/gather")

    async def hang_up(self) -> int:
        status, _ = await self.post("/voice/status", CallStatus="completed", CallDuration="42")
        return status
