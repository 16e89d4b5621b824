"""The port the dialogue talks to; the built-in engine and the Rasa server both satisfy it."""
from __future__ import annotations

from typing import Protocol

from nlu.types import Parse


class Interpreter(Protocol):
    """Turns one user message into a Parse; never raises for odd text."""

    async def parse(self, text: str) -> Parse:
        """Interpret ``text``."""
        ...
