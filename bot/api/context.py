"""What API handlers reach: the desk of the running front door and the API's own settings."""
from __future__ import annotations

from aiohttp import web

from backend_client import ServiceDesk
from bot.api.tokens import TokenBook
from bot.keys import COMPONENTS

TOKENS = web.AppKey("api_tokens", TokenBook)
MAX_PAGE = web.AppKey("api_max_page", int)


def desk(request: web.Request) -> ServiceDesk:
    """The desk opened by the composition root (the API is a sub-application, so look up the chain)."""
    return request.config_dict[COMPONENTS].desk


def max_page(request: web.Request) -> int:
    """The largest ``limit`` a listing accepts."""
    return request.config_dict[MAX_PAGE]
