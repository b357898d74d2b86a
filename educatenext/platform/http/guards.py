"""Request guards that run before any view: size limit, JSON-only bodies, parseable JSON,
and no operator-looking keys ($..., dotted, NUL) anywhere in a body or query string."""

import io

from flask import current_app, request

from educatenext.platform.http.errors import APIError

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def unsafe_key(key):
    """Keys MongoDB would read as operators or paths."""
    return not isinstance(key, str) or key.startswith("$") or "." in key or "\x00" in key


def find_unsafe_key(value, path=""):
    """The JSON path of the first unsafe key in a decoded document, or None."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if unsafe_key(key):
                return where
            found = find_unsafe_key(item, where)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_unsafe_key(item, f"{path}[{index}]")
            if found:
                return found
    return None


def reject_unsafe_key(location, where):
    """400 naming where the key was, without echoing hostile content at length."""
    raise APIError(
        400,
        "VALIDATION_ERROR",
        details=[
            {
                "location": location,
                "field": where[:100],
                "message": "Keys must not start with '$' or contain '.' or NUL.",
            }
        ],
    )


def check_query_string():
    """Operator-looking query parameter names are refused on every method."""
    for name in request.args:
        if unsafe_key(name):
            reject_unsafe_key("query", name)


def check_request_body():
    """413 for oversized bodies, 415 for non-JSON bodies, 400 for malformed JSON or bad keys."""
    check_query_string()
    if request.method not in BODY_METHODS:
        return
    length = request.content_length
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if length is not None and length > limit:
        raise APIError(413, "PAYLOAD_TOO_LARGE")
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if not length and not chunked:
        return
    if not request.is_json:
        raise APIError(415, "UNSUPPORTED_MEDIA_TYPE")
    if chunked:
        _buffer_chunked_body(limit)
    raw = request.get_data(cache=True)
    if not raw:
        return
    body = request.get_json(silent=True)
    if body is None:
        raise APIError(400, "MALFORMED_JSON")
    where = find_unsafe_key(body)
    if where:
        reject_unsafe_key("json", where)


def _buffer_chunked_body(limit):
    """Read a chunked body up to the limit: werkzeug would silently truncate it instead."""
    environ = request.environ
    data = environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise APIError(413, "PAYLOAD_TOO_LARGE")
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def init_app(app):
    """Run the body checks before every request."""
    app.before_request(check_request_body)
