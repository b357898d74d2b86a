"""The one error path: every failure becomes the APIError envelope."""

import logging
from datetime import UTC, datetime

import redis
from flask import current_app, jsonify
from pymongo.errors import ConnectionFailure, DuplicateKeyError, ExecutionTimeout, PyMongoError
from werkzeug.exceptions import HTTPException

from educatenext.platform import request_state

log = logging.getLogger(__name__)

# Stable, documented error codes (the OpenAPI ErrorSchema enumerates them).
ERROR_CODES = {
    "BAD_REQUEST": "The request could not be understood.",
    "MALFORMED_JSON": "The body is not valid JSON.",
    "VALIDATION_ERROR": "One or more fields are invalid; see details.",
    "UNAUTHORIZED": "Authentication is required or the token is invalid.",
    "INVALID_CREDENTIALS": "Invalid email or password.",
    "ACCOUNT_LOCKED": "Too many failed logins; try again later.",
    "INVALID_MFA_CODE": "Invalid or already used code.",
    "MFA_ENROLMENT_REQUIRED": "Set up two-factor authentication first.",
    "MFA_ALREADY_ENABLED": "Two-factor authentication is already on.",
    "MFA_NOT_ENABLED": "Two-factor authentication is not on.",
    "MFA_NOT_PENDING": "Start enrolment first.",
    "MFA_REQUIRED_BY_POLICY": "Your institution requires two-factor authentication.",
    "INVITATION_REQUIRED": "Registration needs an invitation from your institution's admin.",
    "INVITATION_INVALID": "The invitation is invalid, used, expired or for another email.",
    "FORBIDDEN": "You are not allowed to do this.",
    "NOT_FOUND": "The resource does not exist.",
    "METHOD_NOT_ALLOWED": "The method is not allowed on this resource.",
    "CONFLICT": "The request conflicts with the current state.",
    "DUPLICATE_KEY": "A resource with the same unique value already exists.",
    "CLASSROOM_FULL": "The classroom is at capacity (or archived).",
    "ALREADY_ENROLLED": "The student already has an active enrollment.",
    "NOT_ENROLLED": "The student is not enrolled in that classroom on that date.",
    "QR_INVALID": "The QR code is not valid.",
    "QR_EXPIRED": "The QR code has expired; generate a new one.",
    "PAYLOAD_TOO_LARGE": "The request body is too large.",
    "UNSUPPORTED_MEDIA_TYPE": "Request bodies must be application/json.",
    "UNPROCESSABLE": "The request is well formed but cannot be processed.",
    "RATE_LIMITED": "Too many requests; retry later.",
    "INTERNAL_ERROR": "An unexpected error occurred.",
    "SERVICE_UNAVAILABLE": "A dependency is unavailable; retry later.",
    "DATABASE_UNAVAILABLE": "The database is unavailable; retry later.",
    "DATABASE_TIMEOUT": "The database did not answer in time; retry later.",
}

STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class APIError(Exception):
    """An error the API reports on purpose, with a status, stable code and safe message."""

    def __init__(self, status, code=None, message=None, details=None, headers=None):
        code = code or STATUS_CODES.get(status, "INTERNAL_ERROR")
        message = message or first_problem(details) or ERROR_CODES[code]
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})


def first_problem(details):
    """'field: reason' of the first detail item (the apps show only the message), or None."""
    if not details or not isinstance(details, list) or not isinstance(details[0], dict):
        return None
    first = details[0]
    reason = str(first.get("message") or "").strip()
    if not reason:
        return None
    field = first.get("field")
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return f"{field}: {reason}{more}" if field else f"{reason}{more}"


def validation_error(messages, location=None):
    """Flatten marshmallow messages into a 400 with details [{location, field, message}]."""
    return APIError(400, "VALIDATION_ERROR", details=flatten_messages(messages, location))


def not_found(what="Resource"):
    """A 404 that names the kind of thing, never whether it exists elsewhere."""
    return APIError(404, "NOT_FOUND", f"{what} not found.")


def unavailable(code="SERVICE_UNAVAILABLE", message=None):
    """A 503 with Retry-After, for dependencies that are down."""
    retry = str(current_app.config["RETRY_AFTER_SECONDS"])
    return APIError(503, code, message, headers={"Retry-After": retry})


def flatten_messages(messages, location=None, prefix=""):
    """Turn nested {location: {field: [msg]}} dicts into a flat list of detail items."""
    details = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if location is None:
                details.extend(flatten_messages(value, str(key), ""))
            else:
                field = f"{prefix}.{key}" if prefix else str(key)
                details.extend(flatten_messages(value, location, field))
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list):
                details.extend(flatten_messages(item, location, prefix))
            else:
                details.append({"location": location, "field": prefix or None, "message": item})
    else:
        details.append({"location": location, "field": prefix or None, "message": str(messages)})
    return details


def envelope(error):
    """The JSON body every error response carries."""
    body = {
        "error": error.message,
        "message": error.message,
        "code": error.code,
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestId": request_state.current().request_id,
    }
    if error.details is not None:
        body["details"] = error.details
    return body


def to_api_error(exc):
    """Map any exception to an APIError; unknown ones become a 500 without internals."""
    if isinstance(exc, APIError):
        return exc
    if isinstance(exc, DuplicateKeyError):
        # Field names only: the duplicated value may be personal data (an email).
        fields = sorted((exc.details or {}).get("keyPattern", {}).keys() - {"institutionId"})
        details = [{"location": "json", "field": f, "message": "Already exists."} for f in fields]
        return APIError(409, "DUPLICATE_KEY", details=details or None)
    if isinstance(exc, ExecutionTimeout):
        return unavailable("DATABASE_TIMEOUT")
    if isinstance(exc, ConnectionFailure):
        return unavailable("DATABASE_UNAVAILABLE")
    if isinstance(exc, PyMongoError) and exc.timeout:
        return unavailable("DATABASE_TIMEOUT")
    if isinstance(exc, redis.RedisError):
        return unavailable()
    if isinstance(exc, HTTPException):
        return _from_http_exception(exc)
    return APIError(500, "INTERNAL_ERROR")


def _from_http_exception(exc):
    """Translate werkzeug/flask-limiter exceptions, keeping useful headers."""
    status = exc.code or 500
    code = STATUS_CODES.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_ERROR")
    headers = {}
    if status == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    if status == 429:
        headers["Retry-After"] = str(_retry_after(exc))
    # werkzeug's own descriptions are safe, generic text; keep ours for consistency.
    return APIError(status, code, headers=headers)


def _retry_after(exc):
    """Seconds until the limit window resets, at least 1."""
    limit = getattr(exc, "limit", None)
    try:
        return max(1, int(limit.limit.get_expiry()))
    except (AttributeError, TypeError, ValueError):
        return 60


def handle_error(exc):
    """The single registered error handler."""
    error = to_api_error(exc)
    if isinstance(exc, ConnectionFailure) and "mongo" in current_app.extensions:
        # Requests queued behind this one get their 503 at once (MongoState.ensure_available).
        current_app.extensions["mongo"].note_unreachable()
    if error.status >= 500:
        if error.code == "INTERNAL_ERROR":
            log.error("unhandled exception", exc_info=exc)
        else:
            log.warning("dependency failure: %s (%s)", error.code, type(exc).__name__)
        if error.code == "INTERNAL_ERROR" and current_app.debug:
            error = APIError(500, "INTERNAL_ERROR", f"{type(exc).__name__}: {exc}")
    response = jsonify(envelope(error))
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def init_app(app):
    """Register the one handler for every exception class."""
    app.register_error_handler(Exception, handle_error)
