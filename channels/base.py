"""What every channel adapter is: routes (or a loop) that turn requests into InboundMessages for a callback,
and, for media that can reach a customer unprompted, `send(recipient, replies)` — the one outbound path for
notifications and agents' replies."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncContextManager, Mapping, Protocol, runtime_checkable

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from dialogue.templates import Templates
from dialogue.types import Reply


@dataclass(frozen=True)
class Delivery:
    """How one send went: delivered (``detail`` says how), or failed and whether trying again later can help."""

    delivered: bool
    detail: str
    retry: bool = False


@dataclass(frozen=True)
class ChannelDeps:
    """What `bot/` opens once and hands every channel at start-up; channels open no client of their own."""

    templates: Templates
    http: aiohttp.ClientSession
    redis: Redis | None
    key_prefix: str


class Channel(Protocol):
    """A channel adapter; it gets an `on_message` callback, never the engine."""

    name: str

    def setup(self, app: web.Application) -> None:
        """Add the channel's routes to the aiohttp application."""
        ...


@runtime_checkable
class OutboundChannel(Channel, Protocol):
    """A channel that can also speak first (WeChat, the app); a phone call or a terminal cannot."""

    def open(self, deps: ChannelDeps) -> AsyncContextManager[None]:
        """The channel's running life (start-up to shutdown) on the parts `bot/` opened."""
        ...

    async def send(self, recipient: str, replies: list[Reply], *, kind: str = "message",
                   payload: Mapping[str, Any] | None = None) -> Delivery:
        """Deliver ``replies`` to ``recipient``; ``kind`` and ``payload`` (a notification's) let a medium that
        cannot send them as they are fall back to its own form (a WeChat template message). Never raises for a
        refusal: the Delivery says whether to try again."""
        ...
