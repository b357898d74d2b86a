"""Request guards that run before any view: size limit, JSON-only bodies, parseable JSON."""

import io

from flask import current_app, request

from educatenext.errors import APIError

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def check_request_body():
    """413 for oversized bodies, 415 for non-JSON bodies, 400 for malformed JSON."""
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
    if request.get_json(silent=True) is None:
        raise APIError(400, "MALFORMED_JSON")


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
