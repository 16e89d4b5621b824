"""Operations: the SLA job on demand (admin) and a reachability check of the desk behind the API."""
from __future__ import annotations

from aiohttp import web

from backend_client.http.wire import SlaRun
from backend_client.types import SlaJobReport
from servicedesk.api.context import desk
from servicedesk.api.errors import respond
from servicedesk.api.inputs import body
from servicedesk.api.routes import AGENT, BOT, Route, scopes


async def run_sla_job(request: web.Request) -> web.Response:
    """Raise due SLA warnings, breaches and escalations once."""
    run = await body(request, SlaRun)
    return respond(await desk(request).run_sla_job(run.now))


async def ping(request: web.Request) -> web.Response:
    """204 when the desk's database answers, 503 otherwise."""
    await desk(request).ping()
    return web.Response(status=204)


ROUTES = (
    Route("POST", "/jobs/sla", run_sla_job, scopes(), "Run the SLA job once (admin)", body=SlaRun,
          returns=SlaJobReport, acts=False),
    Route("GET", "/ping", ping, scopes(BOT, AGENT), "Whether the desk behind the API answers", status=204,
          acts=False),
)
