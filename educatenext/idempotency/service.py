"""Idempotency-Key on creates and bulk endpoints: a retry replays the stored response.

The same key with a different body is a 422; a retry while the first is still running is a
409. Records live in MongoDB (unique _id, TTL), so they hold across workers and restarts.

Crash safety: an attempt owns its record for a short lease. If its worker dies, a retry after
the lease takes the record over and runs the request again; the first attempt's inserts
carry the same request keys (stamps.py), so the re-run finds them instead of duplicating.
"""

import functools
import hashlib
import json
import math
import re
import uuid
from datetime import timedelta

import flask_smorest
from flask import current_app, request
from pymongo.errors import DuplicateKeyError

from educatenext.auth.identity import current_identity
from educatenext.idempotency.repository import IdempotencyRepository
from educatenext.platform.http.errors import APIError
from educatenext.platform.mongo import stamps
from educatenext.platform.values import utcnow

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
REPLAYED_HEADERS = ("Location", "X-Total-Count")
HEADER_DOC = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "pattern": KEY_PATTERN.pattern},
    "description": "Retrying with the same key and body replays the first response "
    "(Idempotent-Replayed: true); another body with the same key is a 422.",
}


def _fingerprint():
    """SHA-256 of the canonical JSON body (key order does not matter)."""
    body = request.get_json(silent=True)
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def idempotent(view):
    """Make a POST view honour the Idempotency-Key header."""
    return _idempotent(view, required=False)


def idempotent_required(view):
    """Like idempotent, and a request without the header is refused (400): for POSTs whose
    retry must never act twice, such as taking a payment."""
    return _idempotent(view, required=True)


def _idempotent(view, required):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None and not required:
            return view(*args, **kwargs)
        if key is None or not KEY_PATTERN.match(key):
            raise APIError(
                400,
                "VALIDATION_ERROR",
                details=[
                    {
                        "location": "headers",
                        "field": "Idempotency-Key",
                        "message": "Required here: 8-128 of [A-Za-z0-9._:-]."
                        if key is None
                        else "8-128 of [A-Za-z0-9._:-].",
                    }
                ],
            )
        identity = current_identity()
        scope_key = f"{identity.user_id}:{request.method}:{request.path}:{key}"
        record_id = hashlib.sha256(scope_key.encode()).hexdigest()
        fingerprint = _fingerprint()
        repository = IdempotencyRepository(identity.scope)
        owner = uuid.uuid4().hex
        claim, record = _claim(repository, record_id, owner, fingerprint)
        if claim is None:
            return _replay(record, fingerprint)
        stamps.begin(record_id, resumed=claim == "taken_over")
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except Exception:
            repository.forget(record_id, owner)
            raise
        if response.status_code >= 500:
            repository.forget(record_id, owner)
            return response
        headers = {
            name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers
        }
        repository.complete(
            record_id, owner, response.status_code, response.get_data(as_text=True), headers
        )
        return response

    header = {**HEADER_DOC, "required": required}
    return flask_smorest.Blueprint.doc(parameters=[header])(wrapper)


def _claim(repository, record_id, owner, fingerprint):
    """("new" | "taken_over", None) when this attempt owns the record, else (None, record).

    Taken over: the owner's lease ran out, i.e. its worker died mid-request.
    """
    now = utcnow()
    lease_until = now + timedelta(seconds=current_app.config["IDEMPOTENCY_LEASE_SECONDS"])
    ttl = timedelta(seconds=current_app.config["IDEMPOTENCY_TTL_SECONDS"])
    try:
        repository.insert(
            {
                "_id": record_id,
                "state": "in_progress",
                "fingerprint": fingerprint,
                "owner": owner,
                "leaseUntil": lease_until,
                "expiresAt": now + ttl,
            }
        )
        return "new", None
    except DuplicateKeyError:
        pass
    record = repository.get_by_key(record_id)
    if (
        record is None
        or record["state"] != "in_progress"
        or record["fingerprint"] != fingerprint
        or record.get("leaseUntil", now) >= now
    ):
        return None, record
    if repository.take_over(record_id, record.get("owner"), owner, lease_until, now):
        return "taken_over", None
    return None, record


def _replay(record, fingerprint):
    """The stored response, or why it cannot be replayed."""
    if record is None:  # expired between the insert attempt and now: treat as in flight
        raise APIError(409, "CONFLICT", "Retry this request.", headers={"Retry-After": "1"})
    if record["fingerprint"] != fingerprint:
        raise APIError(
            422, "UNPROCESSABLE", "This Idempotency-Key was used with a different request body."
        )
    if record["state"] != "done":
        raise APIError(
            409,
            "CONFLICT",
            "A request with this Idempotency-Key is in progress.",
            headers={"Retry-After": str(_lease_left(record))},
        )
    response = current_app.response_class(
        record["body"], status=record["status"], mimetype="application/json"
    )
    for name, value in record.get("headers", {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _lease_left(record):
    """Whole seconds until the running attempt's lease ends (at least 1)."""
    lease_until = record.get("leaseUntil")
    if lease_until is None:
        return 1
    return max(1, math.ceil((lease_until - utcnow()).total_seconds()))
