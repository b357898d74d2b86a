"""Access JWTs (HS256, every registered claim required) and opaque refresh/invitation tokens."""

import hashlib
import secrets
import time
import uuid
from datetime import timedelta

import jwt
from flask import current_app

from educatenext.platform.values import utcnow

ALGORITHMS = ["HS256"]
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]
LEEWAY_SECONDS = 5
# Verified tokens by (token, secret, audience, issuer): the same bytes verify the same way, so
# a client's next request skips the HMAC and JSON work; exp/nbf are still checked every time.
VERIFIED = {}
VERIFIED_MAX = 4096


def issue_access_token(user, session_id):
    """A short-lived access token naming the user, role, institution and session."""
    config = current_app.config
    institution_id = user.get("institutionId")
    return _signed(user, config["JWT_AUDIENCE"], config["ACCESS_TOKEN_TTL_SECONDS"],
                   sid=str(session_id), role=user["role"],
                   inst=str(institution_id) if institution_id else None)  # fmt: skip


def _signed(user, audience, seconds, **extra):
    """A JWT for the user with every registered claim, for one audience."""
    config = current_app.config
    now = utcnow()
    claims = {
        "iss": config["JWT_ISSUER"],
        "aud": audience,
        "sub": str(user["_id"]),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=seconds),
        "jti": uuid.uuid4().hex,
        **extra,
    }
    return jwt.encode(claims, config["JWT_SECRET"], algorithm=ALGORITHMS[0])


def _verified(token, audience):
    """The claims of a token signed for this audience, or raises jwt.InvalidTokenError."""
    config = current_app.config
    return jwt.decode(
        token,
        config["JWT_SECRET"],
        algorithms=ALGORITHMS,
        audience=audience,
        issuer=config["JWT_ISSUER"],
        options={"require": REQUIRED_CLAIMS},
        leeway=LEEWAY_SECONDS,
    )


def decode_access_token(token):
    """Verified claims, or raises jwt.InvalidTokenError."""
    config = current_app.config
    key = (token, config["JWT_SECRET"], config["JWT_AUDIENCE"], config["JWT_ISSUER"])
    claims = VERIFIED.get(key)
    if claims is not None:
        now = time.time()
        if now > claims["exp"] + LEEWAY_SECONDS:
            VERIFIED.pop(key, None)
            raise jwt.ExpiredSignatureError("Signature has expired")
        if now < claims["nbf"] - LEEWAY_SECONDS:
            raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
        return dict(claims)
    claims = _verified(token, config["JWT_AUDIENCE"])
    if len(VERIFIED) >= VERIFIED_MAX:
        VERIFIED.pop(next(iter(VERIFIED)), None)  # the oldest entry
    VERIFIED[key] = claims
    return dict(claims)


def purpose_audience(purpose):
    """The audience of a token for one purpose: never the access audience, so every access
    check (the views' and the cache fast lane's) refuses it."""
    return f"{current_app.config['JWT_AUDIENCE']}:{purpose}"


def issue_purpose_token(user, purpose, seconds):
    """A short-lived JWT that only the endpoints of its purpose accept (MFA login, enrolment)."""
    return _signed(user, purpose_audience(purpose), seconds)


def decode_purpose_token(token, purpose):
    """Verified claims of a token of this purpose, or raises jwt.InvalidTokenError."""
    return _verified(token, purpose_audience(purpose))


def new_opaque_token():
    """A 256-bit random token for refresh and invitation links."""
    return secrets.token_urlsafe(32)


def hash_token(token):
    """Opaque tokens are high-entropy, so a fast hash is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()
