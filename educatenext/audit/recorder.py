"""The audit trail's write path: every data write and security event becomes an event.

TenantRepository.collection hands out an AuditedCollection, so no repository method (and no
view or service, which never touch pymongo) can change data without an event. When the
write runs in a transaction, its event is written in the same transaction.
"""

import logging
import time
from datetime import timedelta

from bson import ObjectId
from flask import current_app, has_request_context, request
from pymongo import InsertOne
from pymongo.errors import BulkWriteError, PyMongoError

from educatenext.caching import generations
from educatenext.caching.dependencies import ANY_PARTITION
from educatenext.extensions import mongo
from educatenext.platform import request_state
from educatenext.platform.metrics import RATE_LIMITED
from educatenext.platform.values import utcnow

log = logging.getLogger(__name__)

COLLECTION = "audit_events"
# Bookkeeping collections whose writes are not business events (auth has explicit events).
UNAUDITED = {
    COLLECTION,
    "active_classrooms",  # derived from the audited classrooms
    "active_classroom_versions",  # ditto
    "attendance_days",  # derived from the audited attendance records
    "counters",
    "login_throttle",
    "idempotency_keys",
    "refresh_tokens",
    "sessions",
    "migrations",
    "migration_lock",
}
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
}
# Bookkeeping fields an inserted document's event does not name.
UNNAMED_FIELDS = {"_id", "createdAt", "updatedAt", "institutionId", "requestKey"}
OPERATORS = ("$set", "$setOnInsert", "$inc", "$push", "$addToSet", "$pull", "$unset")


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


def _bulk_write_of(operation):
    """(selector, change) of a bulk operation; (document, None) for an insert."""
    document = getattr(operation, "_doc", None) or {}
    selector = getattr(operation, "_filter", None)
    return (document, None) if selector is None else (selector, document)


def _values(fields):
    return {key: value for key, value in fields.items() if key in VALUE_FIELDS}


def describe_update(update):
    """(changed field names, allow-listed new values, allow-listed previous values)."""
    names, values, previous = set(), {}, {}
    for operator in OPERATORS:
        part = update.get(operator) or {}
        names.update(key for key in part if key not in ("updatedAt", "createdAt"))
        if operator == "$set":
            values.update(_values(part))
    history = (update.get("$push") or {}).get("history")
    if isinstance(history, dict):  # grade corrections carry the previous values
        previous = _values(history.get("previous") or {})
        names.discard("history")
    return sorted(names), values, previous


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


def touched_partition(selector, change, field):
    """The partition (str) a write touched, given its filter (or inserted document) and its
    update: ANY_PARTITION unless the filter pins the field and the update leaves it alone."""
    value = (selector or {}).get(field)
    if not isinstance(value, ObjectId) or (change and _names_field(change, field)):
        return ANY_PARTITION
    return str(value)


def _names_field(change, field):
    """Whether an update document (or pipeline) may set the field."""
    if isinstance(change, list):
        return True  # an aggregation-pipeline update can compute anything
    return field in change or any(
        isinstance(part, dict) and field in part
        for operator, part in change.items()
        if operator.startswith("$")
    )


class AuditedCollection:
    """A pymongo collection whose write methods also append audit events."""

    def __init__(self, collection, institution_id, partition_field=None):
        self._collection = collection
        self._institution_id = institution_id
        self._partition_field = partition_field

    def __getattr__(self, name):
        return getattr(self._collection, name)  # reads (find, aggregate, count...) pass through

    def _partitions(self, writes):
        """Partition values that (selector, change) writes touched, before and after; None
        for a collection without partitions. ANY_PARTITION when one could be elsewhere."""
        if self._partition_field is None:
            return None
        field = self._partition_field
        return {touched_partition(selector, change, field) for selector, change in writes} or {
            ANY_PARTITION
        }

    def _record(
        self,
        action,
        ids,
        fields,
        values=None,
        previous=None,
        session=None,
        institution_id=None,
        writes=(),
    ):
        generations.note_write(
            institution_id or self._institution_id,
            self._collection.name,
            self._partitions(writes),
        )
        event = {
            "institutionId": institution_id or self._institution_id,
            "action": action,
            "resourceType": self._collection.name,
            "resourceIds": [i for i in ids if i is not None],
            "fields": fields,
            "values": values or {},
        }
        if previous:
            event["previous"] = previous
        write_event(event, session=session)

    def insert_one(self, document, *args, session=None, **kwargs):
        """Insert and record a create."""
        result = self._collection.insert_one(document, *args, session=session, **kwargs)
        fields = sorted(k for k in document if k not in UNNAMED_FIELDS)
        self._record(
            "create",
            [result.inserted_id],
            fields,
            _values(document),
            session=session,
            institution_id=document.get("institutionId"),
            writes=[(document, None)],
        )
        return result

    def insert_many(self, documents, *args, session=None, **kwargs):
        """Insert and record one create event for the batch."""
        documents = list(documents)
        result = self._collection.insert_many(documents, *args, session=session, **kwargs)
        fields = sorted(
            {k for d in documents for k in d} - {"_id", "createdAt", "updatedAt", "institutionId"}
        )
        self._record(
            "create",
            list(result.inserted_ids),
            fields,
            session=session,
            writes=[(document, None) for document in documents],
        )
        return result

    def _updated(self, action, filter_, update, ids, session, institution_id=None):
        fields, values, previous = describe_update(update)
        ids = [i for i in ids if i is not None]
        target = filter_.get("_id")
        if not ids and target is not None:
            ids = list(target["$in"]) if isinstance(target, dict) and "$in" in target else [target]
        self._record(
            action,
            ids,
            fields,
            values,
            previous,
            session=session,
            institution_id=institution_id,
            writes=[(filter_, update)],
        )

    def update_one(self, filter_, update, *args, session=None, **kwargs):
        """Update and record it."""
        result = self._collection.update_one(filter_, update, *args, session=session, **kwargs)
        if result.matched_count or result.upserted_id is not None:
            # A platform-wide write names its document's school in the filter when it knows it.
            owner = filter_.get("institutionId") if self._institution_id is None else None
            owner = owner if isinstance(owner, ObjectId) else None
            self._updated(
                "update", filter_, update, [result.upserted_id], session, institution_id=owner
            )
        return result

    def update_many(self, filter_, update, *args, session=None, **kwargs):
        """Update many and record one event."""
        result = self._collection.update_many(filter_, update, *args, session=session, **kwargs)
        if result.matched_count:
            self._updated("update", filter_, update, [], session)
        return result

    def find_one_and_update(self, filter_, update, *args, session=None, **kwargs):
        """Update one, returning a document, and record it."""
        document = self._collection.find_one_and_update(
            filter_, update, *args, session=session, **kwargs
        )
        if document is not None or kwargs.get("upsert"):
            ids = [document["_id"]] if document is not None else []
            owner = document.get("institutionId") if document is not None else None
            self._updated("update", filter_, update, ids, session, institution_id=owner)
        return document

    def replace_one(self, filter_, replacement, *args, session=None, **kwargs):
        """Replace and record it."""
        result = self._collection.replace_one(
            filter_, replacement, *args, session=session, **kwargs
        )
        self._updated("update", filter_, {"$set": replacement}, [result.upserted_id], session)
        return result

    def bulk_write(self, requests, *args, session=None, **kwargs):
        """Run a bulk write and record the operations it applied in one event.

        A bulk write that fails part way (BulkWriteError) has applied the operations before
        or beside the failed ones: those are recorded, and stale the cache, before the error
        goes on. One whose outcome is unknown (timeout, lost connection) stales the cache of
        everything it may have written, so no entry from before it can be served after it.
        """
        requests = list(requests)
        writes = [_bulk_write_of(operation) for operation in requests]
        try:
            result = self._collection.bulk_write(requests, *args, session=session, **kwargs)
        except BulkWriteError as error:
            failed = {e["index"] for e in error.details.get("writeErrors", ())}
            if kwargs.get("ordered", True):  # an ordered write stops at its first failure
                applied = range(min(failed, default=len(requests)))
            else:
                applied = [i for i in range(len(requests)) if i not in failed]
            upserted = [u["_id"] for u in error.details.get("upserted", ())]
            if applied:
                self._record_bulk([requests[i] for i in applied], [writes[i] for i in applied],
                                  upserted, session)  # fmt: skip
            raise
        except PyMongoError:
            generations.note_write(self._institution_id, self._collection.name,
                                   self._partitions(writes))  # fmt: skip
            raise
        self._record_bulk(requests, writes, list(result.upserted_ids.values()), session)
        return result

    def _record_bulk(self, operations, writes, upserted_ids, session):
        """One event for applied bulk operations: inserts' and upserts' ids, fields named."""
        fields, ids = set(), list(upserted_ids)
        for operation, (document, change) in zip(operations, writes, strict=True):
            if change is None and isinstance(operation, InsertOne):
                fields.update(k for k in document if k not in UNNAMED_FIELDS)
                ids.append(document.get("_id"))
            else:
                fields.update(describe_update(change or {})[0])
        self._record("update", ids, sorted(fields), session=session, writes=writes)

    def delete_one(self, filter_, *args, session=None, **kwargs):
        """Delete and record it."""
        result = self._collection.delete_one(filter_, *args, session=session, **kwargs)
        if result.deleted_count:
            self._record(
                "delete", [filter_.get("_id")], [], session=session, writes=[(filter_, None)]
            )
        return result

    def delete_many(self, filter_, *args, session=None, **kwargs):
        """Delete many and record it."""
        result = self._collection.delete_many(filter_, *args, session=session, **kwargs)
        if result.deleted_count:
            self._record("delete", [], [], session=session, writes=[(filter_, None)])
        return result

    def find_one_and_replace(self, filter_, replacement, *args, session=None, **kwargs):
        """Replace one, returning a document, and record it."""
        document = self._collection.find_one_and_replace(
            filter_, replacement, *args, session=session, **kwargs
        )
        if document is not None:
            self._updated("update", filter_, {"$set": replacement}, [document["_id"]], session)
        return document

    def find_one_and_delete(self, filter_, *args, session=None, **kwargs):
        """Delete one, returning it, and record it."""
        document = self._collection.find_one_and_delete(filter_, *args, session=session, **kwargs)
        if document is not None:
            self._record("delete", [document["_id"]], [], session=session, writes=[(filter_, None)])
        return document
