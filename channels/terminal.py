"""A conversation in the terminal, through the same engine callback as any other channel."""
from __future__ import annotations

import asyncio
import sys
from typing import Callable, TextIO

from channels.render import numbered, printable
from dialogue.types import InboundMessage, OnMessage, TurnFailed

EXIT_WORDS = frozenset({"/exit", "/quit"})


async def run_chat(on_message: OnMessage, *, channel: str, sender: str,
                   read: Callable[[], str] = input, out: TextIO = sys.stdout) -> None:
    """Read lines until end of input or /exit; print the bot's replies with numbered choices."""
    while True:
        try:
            text = (await asyncio.to_thread(read)).strip()
        except EOFError:
            return
        if text in EXIT_WORDS:
            return
        if not text:
            continue
        message = InboundMessage(channel=channel, user_id=sender, conversation_id=f"{channel}:{sender}", text=text)
        try:
            replies = await on_message(message)
        except TurnFailed as exc:
            replies = exc.replies
        for reply in replies:
            print(f"机器人> {printable(numbered(reply))}", file=out, flush=True)
