"""Problems: one cause shared by many incidents; resolving it resolves them all."""
from __future__ import annotations

from aiohttp import web

from backend_client.http.wire import IncidentLink, NewProblem, Resolution
from backend_client.types import Problem, Ticket
from servicedesk.api.auth import acting
from servicedesk.api.context import desk
from servicedesk.api.errors import respond
from servicedesk.api.inputs import body
from servicedesk.api.routes import AGENT, Route, scopes


async def create_problem(request: web.Request) -> web.Response:
    """Record a problem."""
    new = await body(request, NewProblem)
    problem = await desk(request).create_problem(new.title, new.scope, await acting(request), cause=new.cause)
    return respond(problem, 201)


async def get_problem(request: web.Request) -> web.Response:
    """A problem with its linked incidents."""
    return respond(await desk(request).get_problem(request.match_info["number"]))


async def link_incident(request: web.Request) -> web.Response:
    """Link an incident to the problem; it waits for the problem's resolution."""
    link = await body(request, IncidentLink)
    return respond(await desk(request).link_incident(request.match_info["number"], link.ticket,
                                                     await acting(request)))


async def resolve_problem(request: web.Request) -> web.Response:
    """Resolve the problem and every linked incident."""
    resolution = await body(request, Resolution)
    return respond(await desk(request).resolve_problem(request.match_info["number"], resolution.note,
                                                       await acting(request)))


ROUTES = (
    Route("POST", "/problems", create_problem, scopes(AGENT), "Record a problem", body=NewProblem,
          returns=Problem, status=201),
    Route("GET", "/problems/{number}", get_problem, scopes(AGENT), "Get a problem", returns=Problem, acts=False),
    Route("POST", "/problems/{number}/incidents", link_incident, scopes(AGENT), "Link an incident to a problem",
          body=IncidentLink, returns=Ticket),
    Route("POST", "/problems/{number}/resolve", resolve_problem, scopes(AGENT),
          "Resolve a problem and its incidents", body=Resolution, returns=Problem),
)
