"""Channel adapters by config section name, and their running life on the parts `bot/` opened: one HTTP session,
the Redis client and the templates, handed to every channel; `Outbound` is the one way out to a customer."""
from __future__ import annotations

import logging
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, AsyncIterator, Callable, Mapping

import aiohttp
from aiohttp import web

from bot.config import Config
from bot.keys import COMPONENTS, CONFIG
from channels.app import AppChannel, AppSettings, AuthSettings
from channels.base import Channel, ChannelDeps, Delivery, OutboundChannel
from dialogue.templates import Templates
from dialogue.types import OnMessage, Reply

log = logging.getLogger(__name__)


def app_settings(config: Config) -> AppSettings:
    """The `channels.app` section as the app channel's settings (secrets from the environment)."""
    section, auth = config.channels.app, config.channels.app.auth
    public_key = auth.jwt_public_key_file.read_text(encoding="utf-8") if auth.jwt_public_key_file else None
    return AppSettings(
        max_text_chars=config.dialogue.max_text_chars,
        auth=AuthSettings(jwt_secret=auth.jwt_secret.get_secret_value() if auth.jwt_secret else None,
                          jwt_public_key=public_key, audience=auth.audience, issuer=auth.issuer,
                          hmac_secret=auth.hmac_secret.get_secret_value() if auth.hmac_secret else None,
                          replay_window_s=auth.replay_window_s, leeway_s=auth.leeway_s),
        mailbox_max_messages=section.mailbox_max_messages, mailbox_ttl_s=section.mailbox_ttl_s)


def _app(config: Config, on_message: OnMessage) -> Channel:
    return AppChannel(on_message, app_settings(config))


def _wechat(config: Config, on_message: OnMessage) -> Channel:
    from channels.wechat import WeChatChannel, settings_from  # wechatpy is imported only when enabled

    return WeChatChannel(on_message, settings_from(config))


def _voice(config: Config, on_message: OnMessage) -> Channel:
    from bot.voice_wiring import voice_channel  # twilio is imported only when enabled

    return voice_channel(config, on_message)


def _agent_desk(config: Config, on_message: OnMessage) -> Channel:
    from bot.agent_desk_wiring import agent_desk  # it reaches the running app's outbound channels

    return agent_desk(config)


CHANNELS: dict[str, Callable[[Config, OnMessage], Channel]] = {"app": _app, "wechat": _wechat, "voice": _voice,
                                                               "agent_desk": _agent_desk}
"""Channel adapters by config section name."""


def build_channels(config: Config, on_message: OnMessage) -> list[Channel]:
    """The enabled channels, in registry order, each followed by the channels it brings (the hotline's SMS)."""
    built = [build(config, on_message) for name, build in CHANNELS.items() if getattr(config.channels, name).enabled]
    return [part for channel in built for part in (channel, *getattr(channel, "companions", ()))]


class Outbound:
    """The one way out to a customer: the outbox, and agents' replies, send through the customer's channel."""

    def __init__(self, channels: Mapping[str, OutboundChannel]):
        self._channels = dict(channels)

    @property
    def names(self) -> list[str]:
        """The channels that can send (their notifications are the ones worth claiming)."""
        return list(self._channels)

    async def send(self, channel: str, recipient: str, replies: list[Reply], *, kind: str = "message",
                   payload: Mapping[str, Any] | None = None) -> Delivery:
        """Deliver through ``channel``; a channel that is not running here is a retryable failure."""
        adapter = self._channels.get(channel)
        if adapter is None:
            return Delivery(False, f"{channel}:not_running", retry=True)
        return await adapter.send(recipient, replies, kind=kind, payload=payload)


OUTBOUND = web.AppKey("outbound", Outbound)
"""The running application's way out, for jobs and (next) the agent desk."""


@asynccontextmanager
async def channel_deps(config: Config) -> AsyncIterator[ChannelDeps]:
    """The parts a channel needs outside a running server (CLI commands): a Redis client and a session of its own."""
    redis = config.redis.client() if config.redis.url else None
    try:
        async with aiohttp.ClientSession() as http:
            yield ChannelDeps(Templates.load(config.dialogue.templates), http, redis, config.redis.key_prefix)
    finally:
        if redis is not None:
            await redis.aclose()


def channel_lifetime(channels: list[Channel]) -> Callable[[web.Application], AsyncIterator[None]]:
    """cleanup_ctx (after the components): open the HTTP session and every sending channel, close them after."""

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        components = app[COMPONENTS]
        async with aiohttp.ClientSession() as http, AsyncExitStack() as stack:
            deps = ChannelDeps(components.templates, http, components.redis, app[CONFIG].redis.key_prefix)
            sending = [channel for channel in channels if isinstance(channel, OutboundChannel)]
            for outbound in sending:
                await stack.enter_async_context(outbound.open(deps))
            app[OUTBOUND] = Outbound({outbound.name: outbound for outbound in sending})
            for channel in channels:  # parts that need the outbound channels (the agent desk)
                if hasattr(channel, "lifetime"):
                    await stack.enter_async_context(channel.lifetime(app))
            yield

    return lifetime
