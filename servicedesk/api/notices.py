"""Notices: planned works and known outages; drafted by agents, published by admins, queried by the bot."""
from __future__ import annotations

from aiohttp import web

from backend_client.http.wire import Items, Published
from backend_client.types import NewNotice, Notice
from servicedesk.api.auth import acting
from servicedesk.api.context import desk
from servicedesk.api.errors import respond
from servicedesk.api.inputs import body, query_datetime, query_int, query_str
from servicedesk.api.routes import AGENT, BOT, Param, Route, scopes


async def create_notice(request: web.Request) -> web.Response:
    """A draft notice."""
    notice = await body(request, NewNotice)
    return respond(await desk(request).create_notice(notice, await acting(request)), 201)


async def publish_notice(request: web.Request) -> web.Response:
    """Publish; one notification per affected bound contact is queued."""
    queued = await desk(request).publish_notice(request.match_info["number"], await acting(request))
    return respond(Published(queued))


async def notices_affecting(request: web.Request) -> web.Response:
    """Published notices whose scope and window cover the customer, circuit or region (now, or at ``at``)."""
    notices = await desk(request).notices_affecting(
        customer_id=query_int(request, "customer_id", None, 1),
        circuit_id=query_str(request, "circuit_id"),
        region=query_str(request, "region"),
        service_type=query_str(request, "service_type"),
        at=query_datetime(request, "at"),
    )
    return respond(Items(notices))


AFFECTING_PARAMS = (
    Param("customer_id", int, "an account"),
    Param("circuit_id", str, "a circuit"),
    Param("region", str, "a province, city or county"),
    Param("service_type", str, "a service type"),
    Param("at", str, "ISO 8601 moment with offset (default: now)"),
)

ROUTES = (
    Route("GET", "/notices", notices_affecting, scopes(BOT, AGENT), "Notices affecting a customer, circuit or region",
          returns=Items[Notice], query=AFFECTING_PARAMS, acts=False),
    Route("POST", "/notices", create_notice, scopes(AGENT), "Draft a notice", body=NewNotice, returns=Notice,
          status=201),
    Route("POST", "/notices/{number}/publish", publish_notice, scopes(), "Publish a notice (admin)",
          returns=Published),
)
