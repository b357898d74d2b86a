"""Security headers on every response (errors included) and CORS from an allow-list."""

from flask import current_app, g, request

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI's page is the one HTML document we serve: it needs its own scripts and styles.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)
ALLOWED_HEADERS = "Authorization, Content-Type, x-auth-token, X-Request-ID, Idempotency-Key"
ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
EXPOSED_HEADERS = (
    "X-Request-ID, X-Total-Count, X-Pagination, Link, Retry-After, "
    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)


def allowed_origin():
    """The request's Origin when it is on the allow-list, else None."""
    origin = request.headers.get("Origin")
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
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    docs_page = request.path.startswith("/api/docs")
    headers["Content-Security-Policy"] = DOCS_CSP if docs_page else API_CSP
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    authenticated = g.get("identity") is not None or "Authorization" in request.headers
    if authenticated or "x-auth-token" in request.headers:
        headers["Cache-Control"] = "no-store"
    headers.add("Vary", "Origin")
    origin = allowed_origin()
    if origin and request.path.startswith("/api/"):
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def init_app(app):
    """Preflights first; headers on every response."""
    app.before_request(answer_preflight)
    app.after_request(add_headers)
