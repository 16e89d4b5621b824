"""The composition root: `create_app(config)` builds the one aiohttp application."""
from __future__ import annotations

from typing import AsyncIterator, Callable

from aiohttp import web

from bot import health
from bot.components import open_components
from bot.jobs import JOBS, background_jobs
from bot.config import Config
from bot.keys import COMPONENTS, CONFIG
from channels.app import AppChannel
from channels.base import Channel
from dialogue.types import InboundMessage, OnMessage, Reply
from servicedesk import api


def _wechat(config: Config, on_message: OnMessage) -> Channel:
    from channels.wechat import WeChatChannel, settings_from  # wechatpy is imported only when enabled

    return WeChatChannel(on_message, settings_from(config))


def _voice(config: Config, on_message: OnMessage) -> Channel:
    from bot.voice_wiring import voice_channel  # twilio is imported only when enabled

    return voice_channel(config, on_message)


CHANNELS: dict[str, Callable[[Config, OnMessage], Channel]] = {
    "app": lambda config, on_message: AppChannel(on_message, max_text_chars=config.dialogue.max_text_chars),
    "wechat": _wechat,
    "voice": _voice,
}
"""Channel adapters by config section name."""


def create_app(config: Config) -> web.Application:
    """Routes now; components are opened at start-up and closed at shutdown (cleanup_ctx)."""
    app = web.Application(client_max_size=config.server.max_body_bytes)
    app[CONFIG] = config
    app[JOBS] = {}
    app.cleanup_ctx.append(_components)
    app.cleanup_ctx.append(background_jobs)

    async def on_message(message: InboundMessage) -> list[Reply]:
        return await app[COMPONENTS].engine.handle(message)

    health.setup(app)
    api.setup(app, api_settings(config), lambda: app[COMPONENTS].desk)
    for name, build in CHANNELS.items():
        if getattr(config.channels, name).enabled:
            build(config, on_message).setup(app)
    if config.channels.wechat.enabled:
        from bot.delivery import wechat_delivery_job

        app.cleanup_ctx.append(wechat_delivery_job)
    return app


def api_settings(config: Config) -> api.ApiSettings:
    """The `api` section as the desk API's settings (secrets only from the environment)."""
    tokens = {name: (spec.token.get_secret_value() if spec.token else None, spec.scopes)
              for name, spec in config.api.tokens.items()}
    return api.ApiSettings(tokens, config.api.max_page_size, config.api.max_import_bytes)


async def _components(app: web.Application) -> AsyncIterator[None]:
    async with open_components(app[CONFIG]) as components:
        app[COMPONENTS] = components
        yield
