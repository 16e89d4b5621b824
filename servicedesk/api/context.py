"""What API handlers reach: the desk of the running front door and the API's own settings."""
from __future__ import annotations

from typing import Callable

from aiohttp import web

from backend_client import ServiceDesk
from servicedesk.api.tokens import TokenBook

TOKENS = web.AppKey("api_tokens", TokenBook)
MAX_PAGE = web.AppKey("api_max_page", int)
MAX_IMPORT = web.AppKey("api_max_import_bytes", int)
DESK = web.AppKey("api_desk", Callable[[], ServiceDesk])


def desk(request: web.Request) -> ServiceDesk:
    """The desk the composition root opened at start-up (reached through the getter it gave `setup`)."""
    return request.app[DESK]()


def import_limit(request: web.Request) -> web.Request:
    """The request allowed a body up to ``api.max_import_bytes`` (a knowledge base outgrows server.max_body_bytes)."""
    return request.clone(client_max_size=request.config_dict[MAX_IMPORT])


def max_page(request: web.Request) -> int:
    """The largest ``limit`` a listing accepts."""
    return request.config_dict[MAX_PAGE]
