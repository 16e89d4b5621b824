"""API clients by bearer token: each a name and the scopes it was given in `api.tokens`."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Iterable, Mapping


@dataclass(frozen=True)
class Caller:
    """The API client behind a request."""

    name: str
    scopes: frozenset[str]


class TokenBook:
    """The configured tokens that have a secret (the secret is set only through the environment)."""

    def __init__(self, tokens: Mapping[str, tuple[str | None, Iterable[str]]]):
        """``tokens``: client name -> (secret or None, scopes); a client without a secret cannot sign in."""
        self._entries = [(secret.encode(), Caller(name, frozenset(scopes)))
                         for name, (secret, scopes) in tokens.items() if secret]

    def __bool__(self) -> bool:
        return bool(self._entries)

    def caller(self, authorization: str | None) -> Caller | None:
        """Who an ``Authorization: Bearer <token>`` header belongs to; every entry is compared in constant time."""
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return None
        given = presented.strip().encode()
        found = None
        for secret, caller in self._entries:
            if hmac.compare_digest(secret, given):
                found = caller
        return found
