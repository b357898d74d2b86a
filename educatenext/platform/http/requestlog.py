"""Request ids and structured JSON logging: one line per request, never bodies or secrets."""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import request

from educatenext.platform import request_state

REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,128}")  # the whole value (fullmatch)

access_log = logging.getLogger("educatenext.access")


class JSONFormatter(logging.Formatter):
    """Render each record as one JSON object, with the request id when there is one."""

    def format(self, record):
        """Build the JSON line."""
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # An app context, not only a request's: the cache fast lane logs before Flask pushes one.
        state = request_state.existing()
        if state is not None and state.request_id is not None:
            line["requestId"] = state.request_id
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class JSONStdoutHandler(logging.StreamHandler):
    """Our stdout handler; a marker class so re-configuring replaces only ours."""


def configure_logging(level):
    """Send every log record to stdout as JSON, once per process whatever the app count."""
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, JSONStdoutHandler)]
    handler = JSONStdoutHandler(sys.stdout)
    handler.setFormatter(JSONFormatter())
    root.addHandler(handler)
    root.setLevel(level)


def incoming_request_id(req=request):
    """Accept the client's X-Request-ID when well formed, else generate one."""
    return request_id_for(req.environ)


def request_id_for(environ):
    """The request id for a WSGI environ: its X-Request-ID when well formed, else a new one."""
    candidate = environ.get("HTTP_X_REQUEST_ID", "")
    if REQUEST_ID_PATTERN.fullmatch(candidate):
        return candidate
    return uuid.uuid4().hex


def start_request(req=request):
    """Take the request id and the start time (once: the cache fast lane may have already)."""
    start_request_for(req.environ)


def start_request_for(environ):
    """start_request for a WSGI environ (the cache fast lane builds no request object)."""
    state = request_state.current()
    if state.request_id is None:
        state.request_id = request_id_for(environ)
        state.started_at = time.perf_counter()


def finish_request(response):
    """Echo the request id and write the access line."""
    response.headers["X-Request-ID"] = finished_request_id(response.status_code)
    return response


def finished_request_id(status, req=request):
    """The request id to echo, after writing the request's access line."""
    state = request_state.current()
    request_id = state.request_id or incoming_request_id(req)
    if not access_log.isEnabledFor(logging.INFO):
        return request_id  # LOG_LEVEL above INFO: no access line to build
    started = state.started_at
    fields = {
        "method": req.method,
        "path": req.path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        "requestId": request_id,
    }
    identity = state.identity
    if identity is not None:
        fields["userId"] = str(identity.user_id)
        fields["institutionId"] = str(identity.institution_id or "")
    access_log.info("request", extra={"fields": fields})
    return request_id


def init_app(app):
    """Attach request-id handling and the per-request access log line."""
    app.before_request(start_request)
    app.after_request(finish_request)
