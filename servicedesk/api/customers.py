"""Customers and channel identities: an account by code, a binding, and the one-time-code verification."""
from __future__ import annotations

from aiohttp import web

from backend_client.http.wire import VerificationConfirm, VerificationSent, VerificationStart
from backend_client.types import ContactBinding, Customer
from servicedesk.api.auth import acting
from servicedesk.api.context import desk
from servicedesk.api.errors import respond
from servicedesk.api.inputs import body
from servicedesk.api.routes import AGENT, BOT, Route, scopes


async def get_customer(request: web.Request) -> web.Response:
    """An account with its circuits; a customer sees only their own."""
    return respond(await desk(request).get_customer(request.match_info["code"], await acting(request)))


async def find_binding(request: web.Request) -> web.Response:
    """The verified contact behind a channel identity, or null."""
    info = request.match_info
    return respond(await desk(request).find_binding(info["channel"], info["user_id"]))


async def unbind(request: web.Request) -> web.Response:
    """End a channel identity's binding (the binding that ended, or null when there was none)."""
    info = request.match_info
    return respond(await desk(request).unbind(info["channel"], info["user_id"]))


async def start_verification(request: web.Request) -> web.Response:
    """Send a one-time code to the contact's registered mobile."""
    start = await body(request, VerificationStart)
    sent = await desk(request).start_verification(start.channel, start.user_id, start.customer_code, start.mobile)
    return respond(VerificationSent(sent))


async def confirm_verification(request: web.Request) -> web.Response:
    """Bind the identity when the code is right and fresh; null otherwise."""
    confirm = await body(request, VerificationConfirm)
    return respond(await desk(request).confirm_verification(confirm.channel, confirm.user_id, confirm.code))


ROUTES = (
    Route("GET", "/customers/{code}", get_customer, scopes(BOT, AGENT), "Get an account by its code",
          returns=Customer),
    Route("GET", "/bindings/{channel}/{user_id}", find_binding, scopes(BOT, AGENT),
          "The contact a channel identity is bound to (null when unbound)", returns=ContactBinding | None,
          acts=False),
    Route("DELETE", "/bindings/{channel}/{user_id}", unbind, scopes(BOT, AGENT),
          "End a channel identity's binding at once (the binding that ended, or null)", returns=ContactBinding | None,
          acts=False),
    Route("POST", "/verifications", start_verification, scopes(BOT), "Send a one-time binding code",
          body=VerificationStart, returns=VerificationSent, acts=False),
    Route("POST", "/verifications/confirm", confirm_verification, scopes(BOT),
          "Confirm a binding code (the binding, or null)", body=VerificationConfirm,
          returns=ContactBinding | None, acts=False),
)
