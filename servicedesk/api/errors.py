"""Every API failure as JSON ``{"error": code, "detail": message}`` with the status the error carries."""
from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from backend_client.codec import CodecError, dumps
from backend_client.errors import BackendError, BackendUnavailable
from backend_client.http.wire import ErrorBody
from servicedesk.api.routes import Handler

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request the API refuses before the desk sees it."""

    status = 400
    code = "bad_request"

    def __init__(self, detail: str, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field


class Unauthorized(ApiError):
    """No bearer token, or one that matches no configured token."""

    status = 401
    code = "unauthorized"


class ScopeDenied(ApiError):
    """The token's scopes do not include this operation or this way of acting."""

    status = 403
    code = "insufficient_scope"


def respond(value: Any, status: int = 200) -> web.Response:
    """A contract value as a JSON response."""
    return web.Response(text=dumps(value), status=status, content_type="application/json")


def error_response(status: int, code: str, detail: str, field: str | None = None) -> web.Response:
    """The one error shape of the API."""
    response = respond(ErrorBody(code, detail, field), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="frontdoor"'
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into the API's JSON error; never a traceback, never HTML."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.detail, exc.field)
    except CodecError as exc:
        return error_response(400, "bad_request", str(exc), exc.field)
    except BackendError as exc:
        if isinstance(exc, BackendUnavailable):
            log.warning("api.desk.unavailable path=%s", request.path)
        return error_response(exc.status, exc.code, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason)
    except Exception:  # the API boundary: log it, answer 500 in the API's shape
        log.exception("api.failed method=%s path=%s", request.method, request.path)
        return error_response(500, "internal", "internal error; see the server log")
