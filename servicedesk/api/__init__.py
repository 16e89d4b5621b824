"""The service desk REST API under /api/v1: token auth with scopes, JSON errors, OpenAPI at /api/v1/openapi.json.

The API exists only when at least one `api.tokens.<name>` has its secret set (FRONTDOOR_API__TOKENS__<NAME>__TOKEN);
without one, /api/v1 is not mounted and every path under it answers 404, like any unknown route.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from aiohttp import web

from backend_client import ServiceDesk
from backend_client.http.wire import PREFIX
from servicedesk.api import (complaints, customers, desk_trail, jobs, knowledge, notices, outbox, problems, surveys,
                             tickets)
from servicedesk.api.auth import CALLER, guard
from servicedesk.api.context import DESK, MAX_IMPORT, MAX_PAGE, TOKENS
from servicedesk.api.errors import json_errors
from servicedesk.api.masking import masking
from servicedesk.api.openapi import document
from servicedesk.api.tokens import TokenBook

log = logging.getLogger(__name__)

ROUTES = tuple(route for module in (tickets, complaints, customers, problems, notices, surveys, desk_trail, outbox,
                                    knowledge, jobs)
               for route in module.ROUTES)
"""Every operation of the API, in the order OpenAPI lists them."""
SPEC = web.AppKey("api_openapi", dict[str, Any])


@dataclass(frozen=True)
class ApiSettings:
    """What the API needs from its host: the clients (name -> (secret, scopes)) and its size limits."""

    tokens: Mapping[str, tuple[str | None, Iterable[str]]]
    max_page_size: int = 100
    max_import_bytes: int = 8 * 1024 * 1024


def setup(app: web.Application, settings: ApiSettings, desk: Callable[[], ServiceDesk]) -> None:
    """Mount /api/v1 on ``app`` when an API token is configured; ``desk`` returns the desk opened at start-up."""
    book = TokenBook(settings.tokens)
    if not book:
        log.info("api.disabled reason=no_token_configured")
        return
    api = web.Application(middlewares=[json_errors, masking(CALLER)])
    api[TOKENS] = book
    api[MAX_PAGE] = settings.max_page_size
    api[MAX_IMPORT] = settings.max_import_bytes
    api[DESK] = desk
    api[SPEC] = document(ROUTES)
    api.router.add_get("/openapi.json", openapi)
    for route in ROUTES:
        api.router.add_route(route.method, route.path, guard(route))
    app.add_subapp(PREFIX, api)
    log.info("api.enabled routes=%d", len(ROUTES))


async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI document (public: it describes the API, it holds no data)."""
    return web.json_response(request.app[SPEC])
