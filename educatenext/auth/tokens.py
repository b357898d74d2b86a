"""Access JWTs (HS256, every registered claim required) and opaque refresh/invitation tokens."""

import hashlib
import secrets
import uuid
from datetime import timedelta

import jwt
from flask import current_app

from educatenext.values import utcnow

ALGORITHMS = ["HS256"]
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]


def issue_access_token(user, session_id):
    """A short-lived access token naming the user, role, institution and session."""
    config = current_app.config
    now = utcnow()
    claims = {
        "iss": config["JWT_ISSUER"],
        "aud": config["JWT_AUDIENCE"],
        "sub": str(user["_id"]),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=config["ACCESS_TOKEN_TTL_SECONDS"]),
        "jti": uuid.uuid4().hex,
        "sid": str(session_id),
        "role": user["role"],
        "inst": str(user["institutionId"]) if user.get("institutionId") else None,
    }
    return jwt.encode(claims, config["JWT_SECRET"], algorithm=ALGORITHMS[0])


def decode_access_token(token):
    """Verified claims, or raises jwt.InvalidTokenError."""
    config = current_app.config
    return jwt.decode(
        token,
        config["JWT_SECRET"],
        algorithms=ALGORITHMS,
        audience=config["JWT_AUDIENCE"],
        issuer=config["JWT_ISSUER"],
        options={"require": REQUIRED_CLAIMS},
        leeway=5,
    )


def new_opaque_token():
    """A 256-bit random token for refresh and invitation links."""
    return secrets.token_urlsafe(32)


def hash_token(token):
    """Opaque tokens are high-entropy, so a fast hash is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()
