"""Conversation tests as data: YAML scripts of turns run against a live engine (pytest and `frontdoor test`)."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dialogue.engine import Engine
from dialogue.store import ConversationStore
from dialogue.types import InboundMessage, ReplyKind, TurnFailed


class CapturedSms:
    """An OtpSender that keeps the last text, so a turn can answer with the one-time code it carried."""

    def __init__(self) -> None:
        self.last_text = ""

    async def send(self, mobile: str, text: str) -> None:
        """Keep the text instead of sending it."""
        self.last_text = text

    def code(self) -> str:
        """The six-digit code of the last text ("" when none was sent)."""
        match = re.search(r"(?<!\d)\d{6}(?!\d)", self.last_text)
        return match.group(0) if match else ""


@dataclass(frozen=True)
class Case:
    """One scripted conversation."""

    name: str
    channel: str
    turns: list[dict[str, Any]]
    source: str


@dataclass
class Outcome:
    """What went wrong in one case (empty `failures` = passed)."""

    case: Case
    failures: list[str] = field(default_factory=list)


def load_cases(path: Path) -> list[Case]:
    """Every case of a YAML file, or of all *.yml files under a folder."""
    files = sorted(path.glob("*.yml")) if path.is_dir() else [path]
    cases = []
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for index, raw in enumerate(data.get("cases", [])):
            if not raw.get("name") or not isinstance(raw.get("turns"), list):
                raise ValueError(f"{file}: case {index + 1} needs a name and a list of turns")
            cases.append(Case(raw["name"], raw.get("channel", "app"), raw["turns"], str(file)))
    return cases


async def run_case(case: Case, engine: Engine, store: ConversationStore, sms: CapturedSms | None = None) -> Outcome:
    """Play the case as a new user and check each turn; ``{ticket}``/``{otp}``: last ticket opened, last SMS code."""
    outcome = Outcome(case)
    user = f"convtest-{uuid.uuid4().hex[:12]}"
    conversation_id = f"{case.channel}:{user}"
    ticket = ""
    for number, turn in enumerate(case.turns, start=1):
        text = str(turn["user"]).replace("{ticket}", ticket).replace("{otp}", sms.code() if sms else "")
        message = InboundMessage(channel=case.channel, user_id=user, conversation_id=conversation_id, text=text)
        try:
            replies = await engine.handle(message)
        except TurnFailed as exc:
            replies = exc.replies
        state = await store.load(conversation_id) or {}
        intent = (state.get("history") or [{}])[-1].get("intent")
        opened = [r for r in replies if r.kind is ReplyKind.TICKET]
        ticket = opened[0].data.get("number", ticket) if opened else ticket
        problems = _check(turn, intent, [r.template for r in replies], " ".join(r.text for r in replies), bool(opened))
        outcome.failures += [f"turn {number} ({text!r}): {p}" for p in problems]
    return outcome


def _check(turn: dict[str, Any], intent: str | None, templates: list[str | None], text: str,
           opened: bool) -> list[str]:
    problems = []
    if "intent" in turn and turn["intent"] != intent:
        problems.append(f"intent {intent!r}, expected {turn['intent']!r}")
    if "reply" in turn:
        expected = turn["reply"] if isinstance(turn["reply"], list) else [turn["reply"]]
        if templates != expected:
            problems.append(f"replies {templates}, expected {expected}")
    for fragment in turn.get("says", []):
        if fragment not in text:
            problems.append(f"reply does not say {fragment!r}: {text!r}")
    if "ticket_opened" in turn and bool(turn["ticket_opened"]) != opened:
        problems.append("a ticket was opened" if opened else "no ticket was opened")
    return problems
