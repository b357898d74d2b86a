"""Per-endpoint rate limits (reads, writes, bulk), keyed by the caller's user or address."""

import jwt
from flask import current_app
from flask_limiter.util import get_remote_address

from educatenext.auth.identity import bearer_token
from educatenext.auth.tokens import decode_access_token
from educatenext.extensions import limiter
from educatenext.platform import request_state

WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def caller_key():
    """'user:<id>' for a validly signed token (a school behind one NAT is many users), else IP."""
    state = request_state.current()
    if (claims := state.verified_claims) is not None:
        return f"user:{claims['sub']}"  # the limiter asks twice per request: decode once
    token = bearer_token()
    if token:
        try:
            claims = decode_access_token(token)
        except jwt.InvalidTokenError:
            claims = None
        if claims:
            state.verified_claims = claims  # authenticate() reuses them: one decode per request
            return f"user:{claims['sub']}"
    return f"ip:{get_remote_address()}"


def _configured(name):
    return lambda: current_app.config[name]


BY_CALLER = "caller (user when authenticated, else client address)"
BY_ADDRESS = "client address"


def _limit(config_name, methods=None, key_func=caller_key, per=BY_CALLER):
    """A limiter decorator that also tells the API docs which limit it applies, and to whom."""
    decorator = limiter.limit(_configured(config_name), key_func=key_func, methods=methods)
    decorator.documented_limit = (config_name, methods, per)
    return decorator


def resource_limits():
    """MethodView decorators: the read limit on GET, the write limit on changes."""
    return [_limit("RATELIMIT_READ", ["GET"]), _limit("RATELIMIT_WRITE", WRITE_METHODS)]


def bulk_limits():
    """MethodView decorators for bulk endpoints: stricter."""
    return [_limit("RATELIMIT_BULK")]


def export_limits():
    """MethodView decorators for data exports: a few per caller per hour."""
    return [_limit("RATELIMIT_EXPORT")]


def public_site_limits():
    """MethodView decorators for public pages read without a token: per client address."""
    return [_limit("RATELIMIT_PUBLIC_SITE", key_func=get_remote_address, per=BY_ADDRESS)]
