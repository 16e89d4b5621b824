"""Bearer-token authentication, scope checks, and the Actor a request acts as.

A staff token (agent, admin) acts as the person named by ``X-Actor-Id``, with the role ``X-Actor-Role``
(default: the highest the token allows). A bot token acts only on behalf of a customer, named by
``X-On-Behalf-Of-Channel`` and ``X-On-Behalf-Of-User``: the desk resolves that identity's verified
binding, so the bot never states which account a customer belongs to and cannot claim another one.
"""
from __future__ import annotations

from aiohttp import web

from backend_client.http.wire import ACTOR_CHANNEL, ACTOR_ID, ACTOR_ROLE, ON_BEHALF_CHANNEL, ON_BEHALF_USER, PREFIX
from backend_client.types import Actor, ContactBinding, Reporter, Role
from servicedesk.api.context import TOKENS, desk
from servicedesk.api.errors import ApiError, ScopeDenied, Unauthorized
from servicedesk.api.inputs import check_url, header
from servicedesk.api.routes import ADMIN, AGENT, BOT, Handler, Route
from servicedesk.api.tokens import Caller

CALLER = web.RequestKey("api_caller", Caller)
BINDING = web.RequestKey("api_binding", ContactBinding)
"""The verified contact a bot request acts for (absent for unbound customers and staff)."""
STAFF_ROLES = {Role.AGENT: {AGENT, ADMIN}, Role.ADMIN: {ADMIN}, Role.SYSTEM: {ADMIN}}
"""Which token scopes may act in each staff role."""


def guard(route: Route) -> Handler:
    """The route's handler behind authentication (401) and its scope check (403)."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        caller = request.config_dict[TOKENS].caller(request.headers.get("Authorization"))
        if caller is None:
            raise Unauthorized("send 'Authorization: Bearer <token>' with a configured API token")
        if not caller.scopes & route.scopes:
            needed = ", ".join(sorted(route.scopes))
            raise ScopeDenied(f"{route.method} {PREFIX}{route.path} needs one of the scopes: {needed}")
        request[CALLER] = caller
        check_url(request)
        return await route.handler(request)

    guarded.__name__ = route.name
    return guarded


async def acting(request: web.Request) -> Actor:
    """Who the request acts as: a customer on behalf of whom a bot calls, or a staff member."""
    caller = request[CALLER]
    channel = header(request, ON_BEHALF_CHANNEL, max_length=16)
    user = header(request, ON_BEHALF_USER)
    if channel or user:
        return await _customer(request, caller, channel, user)
    return _staff(request, caller)


async def _customer(request: web.Request, caller: Caller, channel: str | None, user: str | None) -> Actor:
    if not channel or not user:
        missing = ON_BEHALF_USER if channel else ON_BEHALF_CHANNEL
        raise ApiError(f"header {missing} is required with the other X-On-Behalf-Of header", missing)
    if not caller.scopes & {BOT, ADMIN}:
        raise ScopeDenied("only a bot (or admin) token acts on behalf of a customer")
    binding = await desk(request).find_binding(channel, user)
    if binding is not None:
        request[BINDING] = binding
    return Actor.customer(Reporter(channel, user), binding)


async def reader(request: web.Request) -> Actor | None:
    """Who reads: a staff token naming nobody reads as staff (None); anyone else as in `acting`."""
    named = any(request.headers.get(name) for name in (ON_BEHALF_CHANNEL, ON_BEHALF_USER, ACTOR_ID))
    if not named and request[CALLER].scopes & {AGENT, ADMIN}:
        return None
    return await acting(request)


def _staff(request: web.Request, caller: Caller) -> Actor:
    role = _role(header(request, ACTOR_ROLE), caller)
    person = header(request, ACTOR_ID, max_length=64)
    if person is None:
        raise ApiError(f"header {ACTOR_ID} is required: the staff member or process acting", ACTOR_ID)
    return Actor(role, person, header(request, ACTOR_CHANNEL, max_length=16) or "api")


def _role(raw: str | None, caller: Caller) -> Role:
    if raw is None:
        if ADMIN in caller.scopes or AGENT in caller.scopes:
            return Role.ADMIN if ADMIN in caller.scopes else Role.AGENT
        raise ScopeDenied(f"a bot token acts on behalf of a customer: send {ON_BEHALF_CHANNEL} and {ON_BEHALF_USER}")
    try:
        role = Role(raw)
    except ValueError:
        raise ApiError(f"header {ACTOR_ROLE} must be one of: agent, admin, system", ACTOR_ROLE) from None
    if role not in STAFF_ROLES:
        raise ScopeDenied(f"{ACTOR_ROLE} {raw} is not a staff role; customers are named by the On-Behalf-Of headers")
    if not caller.scopes & STAFF_ROLES[role]:
        raise ScopeDenied(f"this token may not act as {raw}")
    return role
