"""What customers say about a ticket after reporting it: urging, 'the fault is back', and complaints."""
from __future__ import annotations

from aiohttp import web

from backend_client.codec import decode
from backend_client.http.wire import FaultBack, Urge
from backend_client.types import NewComplaint, Reopened, Role, TicketOpened, Urged
from servicedesk.api.auth import BINDING, CALLER, acting
from servicedesk.api.context import desk
from servicedesk.api.errors import respond
from servicedesk.api.inputs import body
from servicedesk.api.routes import AGENT, BOT, Route, scopes
from servicedesk.api.tickets import _as_customer, keyed_request, scoped_key


async def urge(request: web.Request) -> web.Response:
    """Escalate when the desk's urge policy allows, else record the urge; the outcome says which."""
    said = await body(request, Urge)
    return respond(await desk(request).urge(request.match_info["number"], await acting(request), reason=said.reason))


async def fault_back(request: web.Request) -> web.Response:
    """Reopen a recently resolved ticket, or open a new incident linked to an older one."""
    said = await body(request, FaultBack)
    return respond(await desk(request).reopen_or_relink(request.match_info["number"], await acting(request),
                                                        reason=said.reason))


async def open_complaint(request: web.Request) -> web.Response:
    """Open a complaint ticket; the Idempotency-Key header makes a retried request return the same one."""
    key, actor, data = await keyed_request(request)
    if actor.role in (Role.CONTACT, Role.REPORTER):
        data = _as_customer(data, actor, request.get(BINDING))
    scoped = scoped_key(request[CALLER], actor, key)
    opened = await desk(request).open_complaint(decode(NewComplaint, {**data, "idempotency_key": scoped}, strict=True))
    return respond(opened, 201)


ROUTES = (
    Route("POST", "/tickets/{number}/urge", urge, scopes(BOT, AGENT),
          "A customer urges a ticket (escalated within the urge policy, else recorded)", body=Urge, returns=Urged),
    Route("POST", "/tickets/{number}/fault-back", fault_back, scopes(BOT, AGENT),
          "A customer says the fault is back (reopen within the window, else a linked incident)", body=FaultBack,
          returns=Reopened),
    Route("POST", "/complaints", open_complaint, scopes(BOT, AGENT),
          "Open a complaint ticket (idempotent per Idempotency-Key)", body=NewComplaint, returns=TicketOpened,
          status=201, idempotent_key=True),
)
