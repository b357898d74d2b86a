"""Security headers on every response (errors included) and CORS from an allow-list."""

from flask import current_app, request

from educatenext.platform import request_state

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI's page is the one HTML document we serve: it needs its own scripts and styles.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)
STATIC_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)
# A view may already vary on other request headers: ours is added to its list.
ADDED_NOT_SET = frozenset({"Vary"})
ALLOWED_HEADERS = "Authorization, Content-Type, x-auth-token, X-Request-ID, Idempotency-Key"
ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
EXPOSED_HEADERS = (
    "X-Request-ID, X-Total-Count, X-Pagination, Link, Retry-After, "
    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)


def allowed_origin(req=request):
    """The request's Origin when it is on the allow-list, else None."""
    origin = req.headers.get("Origin")
    return origin if origin and origin in current_app.config["CORS_ORIGINS"] else None


def answer_preflight():
    """Answer CORS preflights for /api/ before auth, limits or routing get involved."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    if not request.path.startswith("/api/"):
        return None
    response = current_app.response_class(status=204)
    if allowed_origin():
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    return response


def add_headers(response):
    """Security headers, CORS headers for allowed origins, no-store when authenticated."""
    headers = response.headers
    for name, value in response_headers():
        if name in ADDED_NOT_SET:
            headers.add(name, value)
        else:
            headers[name] = value
    return response


def response_headers(req=request):
    """(name, value) pairs every response to req carries, in order."""
    docs_page = req.path.startswith("/api/docs")
    pairs = [*STATIC_HEADERS, ("Content-Security-Policy", DOCS_CSP if docs_page else API_CSP)]
    if req.is_secure:
        pairs.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    authenticated = request_state.current().identity is not None or "Authorization" in req.headers
    if authenticated or "x-auth-token" in req.headers:
        pairs.append(("Cache-Control", "no-store"))
    pairs.append(("Vary", "Origin"))
    origin = allowed_origin(req)
    if origin and req.path.startswith("/api/"):
        pairs.append(("Access-Control-Allow-Origin", origin))
        pairs.append(("Access-Control-Expose-Headers", EXPOSED_HEADERS))
    return pairs


def init_app(app):
    """Preflights first; headers on every response."""
    app.before_request(answer_preflight)
    app.after_request(add_headers)
