"""Rendering shared by text-only media: buttons become numbered choices the customer answers by digit."""
from __future__ import annotations

from dialogue.types import Reply


def numbered(reply: Reply) -> str:
    """The reply's text followed by `1. 标题` lines; the engine maps a digit back to the button."""
    if not reply.buttons:
        return reply.text
    choices = "\n".join(f"{i}. {b.title}" for i, b in enumerate(reply.buttons, start=1))
    return f"{reply.text}\n{choices}"
