"""What every channel adapter is: routes (or a loop) that turn requests into InboundMessages for a callback."""
from __future__ import annotations

from typing import Protocol

from aiohttp import web


class Channel(Protocol):
    """A channel adapter; it gets an `on_message` callback, never the engine."""

    name: str

    def setup(self, app: web.Application) -> None:
        """Add the channel's routes to the aiohttp application."""
        ...
