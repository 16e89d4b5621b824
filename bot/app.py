"""The composition root: `create_app(config)` builds the one aiohttp application."""
from __future__ import annotations

from typing import AsyncIterator

from aiohttp import web

from bot import health
from bot.components import open_components
from bot.jobs import JOBS, background_jobs
from bot.config import Config
from bot.keys import COMPONENTS, CONFIG
from bot.channels import build_channels, channel_lifetime
from bot.delivery import delivery_job
from bot.handoff_timeouts import handoff_timeout_job
from dialogue.types import InboundMessage, Reply
from servicedesk import api


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
    channels = build_channels(config, on_message)
    for channel in channels:
        channel.setup(app)
    app.cleanup_ctx.append(channel_lifetime(channels))
    app.cleanup_ctx.append(delivery_job)
    app.cleanup_ctx.append(handoff_timeout_job)
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
