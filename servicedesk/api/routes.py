"""One declaration per API operation: served from it, guarded by its scopes, described in OpenAPI from it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

BOT, AGENT, ADMIN, DELIVERY = "bot", "agent", "admin", "delivery"


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    hint: Any
    description: str


@dataclass(frozen=True)
class Route:
    """An operation: method, path under /api/v1, handler, who may call it (admin always may) and its shapes."""

    method: str
    path: str
    handler: Handler
    scopes: frozenset[str]
    summary: str
    body: Any = None
    returns: Any = None
    status: int = 200
    query: tuple[Param, ...] = ()
    acts: bool = True
    idempotent_key: bool = False

    @property
    def name(self) -> str:
        """The handler's name doubles as the OpenAPI operationId."""
        return self.handler.__name__


def scopes(*names: str) -> frozenset[str]:
    """The scopes a route lists; admin is added because an admin token may call everything."""
    return frozenset(names) | {ADMIN}
