"""The notification outbox, for channel workers (scope `delivery`): claim due notifications, report the outcome."""
from __future__ import annotations

from aiohttp import web

from backend_client.http.wire import Claim, Delivered, Failed, Items
from backend_client.types import Notification
from servicedesk.api.context import desk
from servicedesk.api.errors import ApiError, respond
from servicedesk.api.inputs import ID_LIMIT, body
from servicedesk.api.routes import DELIVERY, Route, scopes

MAX_CLAIM = 500
MAX_LEASE_S = 3600


async def claim_notifications(request: web.Request) -> web.Response:
    """Take due notifications for a channel under a lease."""
    claim = await body(request, Claim)
    if not 1 <= claim.limit <= MAX_CLAIM:
        raise ApiError(f"'limit' must be between 1 and {MAX_CLAIM}", "limit")
    if not 0 < claim.lease_s <= MAX_LEASE_S:
        raise ApiError(f"'lease_s' must be above 0 and at most {MAX_LEASE_S}", "lease_s")
    claimed = await desk(request).claim_notifications(claim.channel, limit=claim.limit, lease_s=claim.lease_s)
    return respond(Items(claimed))


async def notification_delivered(request: web.Request) -> web.Response:
    """Record a successful delivery."""
    delivered = await body(request, Delivered)
    await desk(request).notification_delivered(_id(request), delivered.detail)
    return web.Response(status=204)


async def notification_failed(request: web.Request) -> web.Response:
    """Record a failed attempt (retried with back-off, or given up)."""
    failed = await body(request, Failed)
    await desk(request).notification_failed(_id(request), failed.error, retry=failed.retry)
    return web.Response(status=204)


def _id(request: web.Request) -> int:
    value = int(request.match_info["id"])
    if value > ID_LIMIT:
        raise ApiError(f"notification id must be at most {ID_LIMIT}", "id")
    return value


ROUTES = (
    Route("POST", "/outbox/claim", claim_notifications, scopes(DELIVERY), "Claim due notifications for a channel",
          body=Claim, returns=Items[Notification], acts=False),
    Route("POST", "/outbox/{id:\\d+}/delivered", notification_delivered, scopes(DELIVERY),
          "Mark a notification delivered", body=Delivered, status=204, acts=False),
    Route("POST", "/outbox/{id:\\d+}/failed", notification_failed, scopes(DELIVERY), "Record a failed delivery",
          body=Failed, status=204, acts=False),
)
