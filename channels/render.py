"""Rendering shared by text-only media: buttons become numbered choices the customer answers by digit."""
from __future__ import annotations

import re

from dialogue.types import Reply

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def numbered(reply: Reply) -> str:
    """The reply's text followed by `1. 标题` lines; the engine maps a digit back to the button."""
    if not reply.buttons:
        return reply.text
    choices = "\n".join(f"{i}. {b.title}" for i, b in enumerate(reply.buttons, start=1))
    return f"{reply.text}\n{choices}"


def printable(text: str) -> str:
    """Text safe to print on a terminal: control characters (ANSI escapes among them) dropped, lines kept.

    Articles, gap queries and replies carry other people's text; an escape sequence in them must not drive the
    operator's terminal.
    """
    return _CONTROL.sub("", text)
