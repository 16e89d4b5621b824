"""Who is talking on the app channel: the operator's app backend vouches for its users with a JWT (HS256 or
RS256, `sub` = app user id) or an HMAC-SHA256 signature over the request; without either the sender is anonymous.

See https://pyjwt.readthedocs.io/en/stable/api.html and RFC 8725 (JWT best practices: a fixed algorithm per key).
"""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Mapping

import jwt

ANONYMOUS_PREFIX = "anon:"
"""Namespace of unproven senders: no vouched identity may start with it, so an anonymous sender is never bound."""
TIMESTAMP_HEADER = "X-Frontdoor-Timestamp"
SIGNATURE_HEADER = "X-Frontdoor-Signature"
MAX_USER_ID_CHARS = 128


class AuthFailed(Exception):
    """Credentials were presented and are wrong (bad signature, expired, wrong audience): a 401, never anonymous."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AuthSettings:
    """Keys and limits of `channels.app.auth`; a JWT key is either an HS256 secret or an RS256 public key."""

    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    audience: str = "frontdoor"
    issuer: str | None = None
    hmac_secret: str | None = None
    replay_window_s: int = 300
    leeway_s: int = 30

    @property
    def signature_ttl_s(self) -> int:
        """How long a signature must be remembered: its timestamp passes from window before to window after."""
        return 2 * self.replay_window_s + 1


@dataclass(frozen=True)
class Identity:
    """The app user a request speaks for; ``verified`` only when the app backend vouched for it; a signed
    request carries its ``signature`` so the channel can refuse it the second time."""

    user_id: str
    verified: bool
    signature: str | None = None


def anonymous(sender: str) -> Identity:
    """An unproven sender, namespaced apart from every vouched identity."""
    return Identity(ANONYMOUS_PREFIX + sender, False)


def sign(secret: str, timestamp: str, method: str, path_qs: str, body: bytes) -> str:
    """The HMAC-SHA256 hex signature over timestamp, method, path with query, and body (what the backend sends)."""
    message = f"{timestamp}\n{method.upper()}\n{path_qs}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class AppAuth:
    """Checks a request's proof; returns the Identity, or raises AuthFailed."""

    def __init__(self, settings: AuthSettings):
        self._settings = settings
        if settings.jwt_public_key:
            self._key, self._algorithms = settings.jwt_public_key, ["RS256"]
        else:
            self._key, self._algorithms = settings.jwt_secret or "", ["HS256"]

    def identify(self, headers: Mapping[str, str], method: str, path_qs: str, body: bytes, sender: str | None,
                 token: str | None = None, now: float | None = None) -> Identity | None:
        """The vouched identity, None when no proof was presented (the caller decides on anonymity)."""
        authorization = headers.get("Authorization")
        if authorization is not None:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise AuthFailed("unsupported_authorization")
            token = value.strip()
        if token is not None:
            return self._from_jwt(token, sender)
        if SIGNATURE_HEADER in headers or TIMESTAMP_HEADER in headers:
            return self._from_signature(headers, method, path_qs, body, sender, time.time() if now is None else now)
        return None

    def _from_jwt(self, token: str, sender: str | None) -> Identity:
        if not self._key:
            raise AuthFailed("jwt_not_configured")
        try:
            claims = jwt.decode(token, self._key, algorithms=self._algorithms, audience=self._settings.audience,
                                issuer=self._settings.issuer, leeway=self._settings.leeway_s,
                                options={"require": ["exp", "sub", "aud"]})
        except jwt.ExpiredSignatureError:
            raise AuthFailed("token_expired") from None
        except jwt.InvalidAudienceError:
            raise AuthFailed("token_audience") from None
        except jwt.InvalidTokenError:
            raise AuthFailed("token_invalid") from None
        user_id = _vouched(claims.get("sub"))
        if sender is not None and sender != user_id:
            raise AuthFailed("sender_mismatch")
        return Identity(user_id, True)

    def _from_signature(self, headers: Mapping[str, str], method: str, path_qs: str, body: bytes,
                        sender: str | None, now: float) -> Identity:
        secret = self._settings.hmac_secret
        if not secret:
            raise AuthFailed("signature_not_configured")
        timestamp, given = headers.get(TIMESTAMP_HEADER, ""), headers.get(SIGNATURE_HEADER, "")
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
            raise AuthFailed("timestamp_invalid")
        if abs(now - int(timestamp)) > self._settings.replay_window_s:
            raise AuthFailed("timestamp_stale")
        expected = sign(secret, timestamp, method, path_qs, body)
        if not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
            raise AuthFailed("signature_invalid")
        return Identity(_vouched(sender), True, expected)


def _vouched(user_id: object) -> str:
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_USER_ID_CHARS:
        raise AuthFailed("subject_invalid")
    if user_id.startswith(ANONYMOUS_PREFIX):
        raise AuthFailed("subject_reserved")
    return user_id


def mint(secret: str, user_id: str, audience: str, ttl_s: int, issuer: str | None = None,
         now: float | None = None) -> str:
    """A development HS256 token for ``user_id`` (what `frontdoor app token` prints)."""
    issued = int(time.time() if now is None else now)
    claims = {"sub": _vouched(user_id), "aud": audience, "iat": issued, "exp": issued + ttl_s}
    if issuer:
        claims["iss"] = issuer
    return jwt.encode(claims, secret, algorithm="HS256")
