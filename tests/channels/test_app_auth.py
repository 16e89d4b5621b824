"""App identity: what the operator's app backend can vouch for, and every way a forged proof is refused."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from channels.app.auth import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    AppAuth,
    AuthFailed,
    AuthSettings,
    anonymous,
    mint,
    sign,
)

SECRET = "s3cret-of-the-operators-app-backend-0123456789"
HMAC_SECRET = "another-secret-for-signed-requests-9876543210"
BODY = '{"sender":"u-778","message":"我们公司专线断了"}'.encode()
WEBHOOK = "/webhooks/rest/webhook"


def hs256() -> AppAuth:
    return AppAuth(AuthSettings(jwt_secret=SECRET, audience="frontdoor", hmac_secret=HMAC_SECRET))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed(body: bytes, at: int, secret: str = HMAC_SECRET, path: str = WEBHOOK) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(at), SIGNATURE_HEADER: sign(secret, str(at), "POST", path, body)}


def test_a_token_minted_from_the_secret_vouches_for_its_subject():
    identity = hs256().identify(bearer(mint(SECRET, "demo-bound", "frontdoor", 600)), "POST", WEBHOOK, BODY, None)
    assert identity is not None and identity.user_id == "demo-bound" and identity.verified


def test_no_proof_is_none_and_the_caller_makes_it_anonymous():
    assert hs256().identify({}, "POST", WEBHOOK, BODY, "demo-bound") is None
    forged = anonymous("demo-bound")
    assert forged.user_id == "anon:demo-bound" and not forged.verified


@pytest.mark.parametrize(("token", "reason"), [
    (mint(SECRET, "demo-bound", "frontdoor", 600, now=time.time() - 4000), "token_expired"),
    (mint(SECRET, "demo-bound", "some-other-service", 600), "token_audience"),
    (mint("a-guessed-secret-that-is-long-enough-000000", "demo-bound", "frontdoor", 600), "token_invalid"),
    (jwt.encode({"sub": "demo-bound", "aud": "frontdoor", "exp": int(time.time()) + 600}, None, algorithm="none"),
     "token_invalid"),
    (jwt.encode({"sub": "demo-bound", "aud": "frontdoor"}, SECRET, algorithm="HS256"), "token_invalid"),
    ("eyJhbGciOiJIUzI1NiJ9.not-a-token", "token_invalid"),
])
def test_forged_expired_or_foreign_tokens_are_refused(token, reason):
    with pytest.raises(AuthFailed) as refused:
        hs256().identify(bearer(token), "POST", WEBHOOK, BODY, None)
    assert refused.value.reason == reason


def test_a_token_cannot_claim_the_anonymous_namespace_or_another_sender():
    with pytest.raises(AuthFailed, match="subject_reserved"):
        hs256().identify(bearer(jwt.encode({"sub": "anon:u-778", "aud": "frontdoor", "exp": time.time() + 60},
                                           SECRET, algorithm="HS256")), "POST", WEBHOOK, BODY, None)
    with pytest.raises(AuthFailed, match="sender_mismatch"):
        hs256().identify(bearer(mint(SECRET, "u-778", "frontdoor", 600)), "POST", WEBHOOK, BODY, "demo-bound")


def test_rs256_accepts_the_backends_key_and_refuses_a_token_signed_with_the_public_key_as_a_secret():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    auth = AppAuth(AuthSettings(jwt_public_key=public_pem, audience="frontdoor"))
    claims = {"sub": "demo-bound", "aud": "frontdoor", "exp": int(time.time()) + 600}
    good = jwt.encode(claims, private, algorithm="RS256")
    assert auth.identify(bearer(good), "GET", "/app/ws", b"", None).user_id == "demo-bound"
    confused = _hs256_with(public_pem, claims)
    with pytest.raises(AuthFailed, match="token_invalid"):
        auth.identify(bearer(confused), "GET", "/app/ws", b"", None)


def _hs256_with(key: str, claims: dict) -> str:
    """An attacker's token: HS256 keyed with the (public) PEM text, the classic algorithm-confusion forgery."""
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
    return head + "." + b64(hmac.new(key.encode(), head.encode(), hashlib.sha256).digest())


def test_a_signed_request_vouches_for_the_sender_in_its_body():
    now = int(time.time())
    identity = hs256().identify(signed(BODY, now), "POST", WEBHOOK, BODY, "u-778", now=now)
    assert identity is not None and identity.user_id == "u-778" and identity.verified


@pytest.mark.parametrize(("headers_for", "reason"), [
    (lambda now: signed(BODY, now - 301), "timestamp_stale"),
    (lambda now: signed(BODY, now + 301), "timestamp_stale"),
    (lambda now: signed(BODY.replace(b"u-778", b"demo-bound"), now), "signature_invalid"),
    (lambda now: signed(BODY, now, secret="not-the-secret-but-long-enough-00000000"), "signature_invalid"),
    (lambda now: signed(BODY, now, path="/app/messages"), "signature_invalid"),
    (lambda now: {TIMESTAMP_HEADER: "１７００", SIGNATURE_HEADER: "00"}, "timestamp_invalid"),
    (lambda now: {SIGNATURE_HEADER: "00"}, "timestamp_invalid"),
])
def test_replayed_tampered_or_missigned_requests_are_refused(headers_for, reason):
    now = int(time.time())
    with pytest.raises(AuthFailed) as refused:
        hs256().identify(headers_for(now), "POST", WEBHOOK, BODY, "u-778", now=now)
    assert refused.value.reason == reason


def test_proof_for_a_method_that_is_not_configured_is_refused_not_ignored():
    bare = AppAuth(AuthSettings())
    with pytest.raises(AuthFailed, match="jwt_not_configured"):
        bare.identify(bearer(mint(SECRET, "demo-bound", "frontdoor", 600)), "POST", WEBHOOK, BODY, None)
    with pytest.raises(AuthFailed, match="signature_not_configured"):
        bare.identify(signed(BODY, int(time.time())), "POST", WEBHOOK, BODY, "u-778")
    with pytest.raises(AuthFailed, match="unsupported_authorization"):
        hs256().identify({"Authorization": "Basic ZGVtbzpkZW1v"}, "POST", WEBHOOK, BODY, None)
