"""What the channel remembers about a live call between two webhooks: the last prompt and the fallback ladder.

Twilio calls back on every turn, possibly to another process behind the load balancer, so with Redis the state
lives there (one JSON value per CallSid, with a TTL); without it, in this process.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass
class CallState:
    """One call: who rang, what they last heard, and how far down the fallback ladder they are."""

    call_sid: str
    caller: str = ""
    misses: int = 0
    prompt: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    collect_digits: bool = False
    templates: list[str] = field(default_factory=list)   # the templates of the last prompt (what was asked)
    keypad_menu: bool = False
    turns: int = 0
    ended: bool = False
    stage: str = ""            # "": the engine's prompt; "sms": the ticket number offered by SMS; "survey": 1-5 asked
    ticket: str = ""           # the ticket opened on this call, for the SMS
    resolved: bool = False     # a knowledge-base answer was marked solved on this call
    surveyed: bool = False
    closing: list[str] = field(default_factory=list)   # the goodbye said after the survey
    heard: list[str] = field(default_factory=list)     # the caller's last words, for the agent's one-line summary
    circuits: list[str] = field(default_factory=list)  # circuit ids offered on keys 1.. at the location question
    recording: str = ""        # the voicemail's URL, sent with every later turn (the callback ticket carries it)
    pending: list[dict[str, Any]] | None = None   # replies of a turn that outran the deadline, once they are ready

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> "CallState":
        data = json.loads(raw)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class CallStore(Protocol):
    """Where call states live."""

    async def get(self, call_sid: str) -> CallState | None: ...

    async def put(self, state: CallState) -> None: ...


class MemoryCallStore:
    """Call states in this process, forgotten after ``ttl_s``."""

    def __init__(self, ttl_s: int = 3600, max_calls: int = 10_000):
        self._ttl_s, self._max = ttl_s, max_calls
        self._calls: dict[str, tuple[float, str]] = {}

    async def get(self, call_sid: str) -> CallState | None:
        entry = self._calls.get(call_sid)
        if entry is None or entry[0] < time.monotonic():
            return None
        return CallState.from_json(entry[1])

    async def put(self, state: CallState) -> None:
        if len(self._calls) >= self._max:
            now = time.monotonic()
            self._calls = {k: v for k, v in self._calls.items() if v[0] >= now}
            while len(self._calls) >= self._max:
                self._calls.pop(next(iter(self._calls)))
        self._calls[state.call_sid] = (time.monotonic() + self._ttl_s, state.to_json())


class RedisCallStore:
    """Call states shared by every process (key ``<prefix>voice:call:<CallSid>``)."""

    def __init__(self, redis: Any, prefix: str, ttl_s: int = 3600):
        self._redis, self._prefix, self._ttl_s = redis, prefix, ttl_s

    def _key(self, call_sid: str) -> str:
        return f"{self._prefix}voice:call:{call_sid}"

    async def get(self, call_sid: str) -> CallState | None:
        raw = await self._redis.get(self._key(call_sid))
        return CallState.from_json(raw) if raw else None

    async def put(self, state: CallState) -> None:
        await self._redis.set(self._key(state.call_sid), state.to_json(), ex=self._ttl_s)
