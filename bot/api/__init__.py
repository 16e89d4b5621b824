"""The service desk REST API under /api/v1: token auth with scopes, JSON errors, OpenAPI at /api/v1/openapi.json.

The API exists only when at least one `api.tokens.<name>` has its secret set (FRONTDOOR_API__TOKENS__<NAME>__TOKEN);
without one, /api/v1 is not mounted and every path under it answers 404, like any unknown route.
"""
from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from backend_client.http.wire import PREFIX
from bot.api import customers, jobs, knowledge, notices, outbox, problems, surveys, tickets
from bot.api.auth import guard
from bot.api.context import MAX_IMPORT, MAX_PAGE, TOKENS
from bot.api.errors import json_errors
from bot.api.openapi import document
from bot.api.tokens import TokenBook
from bot.keys import CONFIG

log = logging.getLogger(__name__)

ROUTES = tuple(route for module in (tickets, customers, problems, notices, surveys, outbox, knowledge, jobs)
               for route in module.ROUTES)
"""Every operation of the API, in the order OpenAPI lists them."""
SPEC = web.AppKey("api_openapi", dict[str, Any])


def setup(app: web.Application) -> None:
    """Mount /api/v1 on the front door's application when an API token is configured."""
    config = app[CONFIG]
    book = TokenBook(config.api)
    if not book:
        log.info("api.disabled reason=no_token_configured")
        return
    api = web.Application(middlewares=[json_errors])
    api[TOKENS] = book
    api[MAX_PAGE] = config.api.max_page_size
    api[MAX_IMPORT] = config.api.max_import_bytes
    api[SPEC] = document(ROUTES)
    api.router.add_get("/openapi.json", openapi)
    for route in ROUTES:
        api.router.add_route(route.method, route.path, guard(route))
    app.add_subapp(PREFIX, api)
    log.info("api.enabled routes=%d", len(ROUTES))


async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI document (public: it describes the API, it holds no data)."""
    return web.json_response(request.app[SPEC])
