"""The audit trail's write path: every data write and security event becomes an event.

The recorder subscribes to the data layer's WriteEvents (platform.mongo.write_events): no
repository method (and no view or service, which never touch pymongo) can change data
without an event. When the write runs in a transaction, its event is written in the same
transaction.
"""

import logging
import time
from datetime import timedelta

from flask import current_app, has_request_context, request
from pymongo.errors import PyMongoError

from educatenext.extensions import mongo
from educatenext.platform import request_state
from educatenext.platform.metrics import RATE_LIMITED
from educatenext.platform.values import utcnow

log = logging.getLogger(__name__)

COLLECTION = "audit_events"
# Only these fields' values are copied into events; everything else is named, not shown.
VALUE_FIELDS = {
    "status",
    "role",
    "published",
    "capacity",
    "academicYear",
    "semester",
    "gradeType",
    "title",
    "maxMarks",
    "obtainedMarks",
    "percentage",
    "letterGrade",
    "gradePoint",
    "weightage",
    "classroomId",
    "studentId",
    "subjectId",
    "primaryTeacherId",
    "sessionType",
    "method",
    "enrolledCount",
    "code",
    "employeeId",
    "admissionYear",
    "dueDate",
    "date",
    "reason",
    "amountMinor",
    "totalMinor",
    "paidMinor",
    "receiptNumber",
    "number",
    "kind",
    "category",
}


def context():
    """Who, from where, under which request id (system when outside a request)."""
    if not has_request_context():
        return {
            "actorId": None,
            "actorRole": "system",
            "requestId": None,
            "ip": None,
            "userAgent": None,
        }
    state = request_state.current()
    identity = state.identity
    return {
        "actorId": identity.user_id if identity else None,
        "actorRole": identity.role if identity else None,
        "requestId": state.request_id,
        "ip": request.remote_addr,
        "userAgent": request.headers.get("User-Agent", "")[:200],
    }


def _values(fields):
    return {key: value for key, value in fields.items() if key in VALUE_FIELDS}


def record_write(event):
    """The WriteEvent subscriber: one audit document per applied write, in its transaction."""
    if not event.applied:
        return  # its outcome is unknown: nothing certain to record
    document = {
        "institutionId": event.institution_id,
        "action": event.action,
        "resourceType": event.collection,
        "resourceIds": list(event.ids),
        "fields": list(event.fields),
        "values": _values(event.values),
    }
    if previous := _values(event.previous):
        document["previous"] = previous
    write_event(document, session=event.session)


def write_event(event, session=None):
    """Append one event (institutionId may be None for platform-level events)."""
    now = utcnow()
    retention = timedelta(days=current_app.config["AUDIT_RETENTION_DAYS"])
    document = {"at": now, "expiresAt": now + retention, **context(), **event}
    mongo.db[COLLECTION].insert_one(document, session=session)


def security_event(action, institution_id=None, **details):
    """Login outcomes, lockouts, token reuse, denials and rate limits.

    Unlike data writes (whose events must not be skipped), a security event that cannot be
    written is logged and the request goes on: the database being down must not turn a 401
    or 429 into a 500.
    """
    event = {"institutionId": institution_id, "action": action, "resourceType": "security"}
    try:
        write_event({**event, "resourceIds": [], "fields": [], "details": details})
    except PyMongoError as error:
        log.error("audit event %s not written: %s", action, type(error).__name__)


# key -> when its last breach event was written (per process). A flood of 429s must not turn
# into a flood of database writes: one event per key and window is enough to investigate.
_RECENT_BREACHES = {}
BREACH_EVENT_INTERVAL_SECONDS = 60


def rate_limit_breached(request_limit):
    """Flask-Limiter's on-breach callback: count every 429, record one event per key a minute."""
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    RATE_LIMITED.labels(route=route).inc()
    key = request_limit.key
    now = time.monotonic()
    if (
        now - _RECENT_BREACHES.get(key, -BREACH_EVENT_INTERVAL_SECONDS)
        < BREACH_EVENT_INTERVAL_SECONDS
    ):
        return
    if len(_RECENT_BREACHES) > 10_000:
        _RECENT_BREACHES.clear()
    _RECENT_BREACHES[key] = now
    security_event("rate_limited", limit=str(request_limit.limit), key=key[-80:])
