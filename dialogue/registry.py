"""The table of flows: what starts each one, in which order they are tried, and which forms can be resumed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable, Iterable

from dialogue.context import TurnContext
from dialogue.forms import Form, FormRunner
from dialogue.types import Reply
from nlu import Parse

Handler = Callable[[TurnContext, Parse], Awaitable[list[Reply]]]
"""Runs a flow for one message; an empty list means "not mine", and the next flow is tried."""


@dataclass(frozen=True)
class Flow:
    """One registered flow: ``intents`` start it, higher ``priority`` goes first and may interrupt lower ones."""

    name: str
    priority: int
    run: Handler
    intents: frozenset[str] = frozenset()
    every_message: bool = False
    """Looks at every message (its handler returns [] for the ones that are not its own)."""
    form: FormRunner | None = None
    account: bool = False
    """A request about the customer's own account: the unbound are offered binding first."""


def form_flow(form: Form | FormRunner, priority: int, intents: Iterable[str] = (), account: bool = False,
              run: Handler | None = None) -> Flow:
    """A slot-filling flow: the intents start the form (through ``run`` when it says something first), and the
    engine resumes it while it is active. Pass the flow module's runner when it starts the form itself too."""
    runner = form if isinstance(form, FormRunner) else FormRunner(form)
    return Flow(runner.form.name, priority, run or runner.start, frozenset(intents), form=runner, account=account)


class Registry:
    """Flows by name; ``candidates`` orders the ones a message may start by priority."""

    def __init__(self, flows: Iterable[Flow] = ()):
        self._flows: dict[str, Flow] = {}
        for flow in flows:
            self.register(flow)

    def register(self, flow: Flow) -> Flow:
        """Add ``flow`` (replacing one of the same name)."""
        self._flows[flow.name] = flow
        return flow

    def copy(self) -> "Registry":
        """A registry with the same flows, to extend without touching this one."""
        return Registry(self._flows.values())

    def get(self, name: str) -> Flow | None:
        """The flow called ``name``."""
        return self._flows.get(name)

    def trigger(self, parse: Parse) -> Flow | None:
        """The highest-priority flow that ``parse``'s intent starts (None for unsure parses)."""
        started = [f for f in self._flows.values() if not parse.fallback and parse.intent in f.intents]
        return max(started, key=lambda f: f.priority, default=None)

    def candidates(self, parse: Parse) -> list[Flow]:
        """Flows started by the intent and flows that look at every message, highest priority first."""
        chosen = [f for f in self._flows.values()
                  if f.every_message or (not parse.fallback and parse.intent in f.intents)]
        return sorted(chosen, key=lambda f: -f.priority)

