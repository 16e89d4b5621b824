"""Typed application keys: how handlers reach what the composition root opened."""
from aiohttp import web

from bot.components import Components
from bot.config import Config

CONFIG = web.AppKey("config", Config)
COMPONENTS = web.AppKey("components", Components)
