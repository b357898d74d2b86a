"""The only collection object a repository holds: every filter scoped, every write an event.

A repository's own methods may build any query, but what reaches pymongo goes through here:
a filter, pipeline or document without the repository's school is refused (UnscopedQueryError,
a bug: the request answers 500) instead of reading or changing another school's documents.
Only the operations below exist; the pymongo collection itself is not reachable from it.
Filters reach pymongo with inclusive date and string upper bounds as the equal exclusive ones
(bounds.py).
"""

from bson import ObjectId
from pymongo import InsertOne
from pymongo.errors import BulkWriteError, PyMongoError

from educatenext.platform import library_internals
from educatenext.platform.mongo.bounds import exclusive_ends, exclusive_pipeline
from educatenext.platform.mongo.query_shapes import QUERY_SHAPES
from educatenext.platform.mongo.write_events import (
    ANY_PARTITION,
    WriteEvent,
    describe_update,
    emit_write,
    inserted_fields,
    touched_partition,
)


class UnscopedQueryError(PermissionError):
    """A repository sent pymongo a query that does not name its school."""


class ScopedCollection:
    """A pymongo collection seen through one tenant scope; writes emit WriteEvents."""

    __slots__ = (
        "_emits",
        "_institution_id",
        "_partition_field",
        "_platform",
        "_raw",
        "_tenant_field",
    )  # fmt: skip

    def __init__(self, raw, scope, tenant_field, partition_field=None, emits_events=True):
        self._raw = raw
        self._institution_id = scope.institution_id
        self._platform = scope.platform
        self._tenant_field = tenant_field
        self._partition_field = partition_field
        self._emits = emits_events

    @property
    def name(self):
        """The collection's name."""
        return self._raw.name

    def _require_scope(self, selector, what="filter"):
        if self._platform:
            return
        if not isinstance(selector, dict) or (
            selector.get(self._tenant_field) != self._institution_id
        ):
            raise UnscopedQueryError(
                f"{self._raw.name}: a {what} without this school's {self._tenant_field}"
            )

    def _require_write_scope(self, filter_):
        """A write's filter names this school; recorded, as its plan is the write's seek."""
        self._require_scope(filter_)
        QUERY_SHAPES.record(self._raw.name, "write", {"filter": filter_})

    def _require_pipeline_scope(self, pipeline):
        first = pipeline[0].get("$match") if pipeline else None
        self._require_scope(first, "pipeline's first $match")

    # Reads.

    def find(self, filter_, *args, **kwargs):
        """A cursor over this school's documents matching the filter."""
        self._require_scope(filter_)
        return self._raw.find(exclusive_ends(filter_), *args, **kwargs)

    def find_one(self, filter_, *args, **kwargs):
        """One of this school's documents, or None."""
        self._require_scope(filter_)
        return self._raw.find_one(exclusive_ends(filter_), *args, **kwargs)

    def count_documents(self, filter_, **kwargs):
        """How many of this school's documents match."""
        self._require_scope(filter_)
        return self._raw.count_documents(exclusive_ends(filter_), **kwargs)

    def aggregate(self, pipeline, **kwargs):
        """A cursor over a pipeline whose first $match names this school."""
        self._require_pipeline_scope(pipeline)
        return self._raw.aggregate(exclusive_pipeline(pipeline), **kwargs)

    # Writes: each emits one event when it wrote (or may have written) something.

    def insert_one(self, document, *, session=None, **kwargs):
        """Insert one of this school's documents."""
        self._require_scope(document, "document")
        result = self._raw.insert_one(document, session=session, **kwargs)
        self._emit("create", [result.inserted_id], inserted_fields([document]), document,
                   session=session, owner=document.get(self._tenant_field),
                   writes=[(document, None)])  # fmt: skip
        return result

    def insert_many(self, documents, *, session=None, **kwargs):
        """Insert several of this school's documents; one event for the batch."""
        documents = list(documents)
        for document in documents:
            self._require_scope(document, "document")
        result = self._raw.insert_many(documents, session=session, **kwargs)
        writes = [(document, None) for document in documents]
        self._emit("create", list(result.inserted_ids), inserted_fields(documents), {},
                   session=session, writes=writes)  # fmt: skip
        return result

    def update_one(self, filter_, update, *, session=None, **kwargs):
        """Update one of this school's documents."""
        self._require_write_scope(filter_)
        result = self._raw.update_one(exclusive_ends(filter_), update, session=session, **kwargs)
        if result.matched_count or result.upserted_id is not None:
            self._updated(filter_, update, [result.upserted_id], session, self._owner(filter_))
        return result

    def update_many(self, filter_, update, *, session=None, **kwargs):
        """Update this school's matching documents; one event."""
        self._require_write_scope(filter_)
        result = self._raw.update_many(exclusive_ends(filter_), update, session=session, **kwargs)
        if result.matched_count:
            self._updated(filter_, update, [], session)
        return result

    def find_one_and_update(self, filter_, update, *, session=None, **kwargs):
        """Update one of this school's documents and return it."""
        self._require_write_scope(filter_)
        document = self._raw.find_one_and_update(
            exclusive_ends(filter_), update, session=session, **kwargs
        )
        if document is not None or kwargs.get("upsert"):
            ids = [document["_id"]] if document is not None else []
            owner = document.get(self._tenant_field) if document is not None else None
            self._updated(filter_, update, ids, session, owner)
        return document

    def delete_one(self, filter_, *, session=None, **kwargs):
        """Delete one of this school's documents."""
        self._require_write_scope(filter_)
        result = self._raw.delete_one(exclusive_ends(filter_), session=session, **kwargs)
        if result.deleted_count:
            self._emit("delete", [filter_.get("_id")], [], {}, session=session,
                       writes=[(filter_, None)])  # fmt: skip
        return result

    def bulk_write(self, requests, *, session=None, **kwargs):
        """Run a bulk write of this school's documents; one event for what it applied.

        A bulk write that fails part way (BulkWriteError) has applied the operations before
        or beside the failed ones: their event is emitted before the error goes on. One
        whose outcome is unknown (timeout, lost connection) emits an event that is not
        applied, so caches of everything it may have written still go stale.
        """
        requests = list(requests)
        writes = [library_internals.bulk_operation_parts(operation) for operation in requests]
        for operation, (selector, _) in zip(requests, writes, strict=True):
            self._require_scope(selector, "bulk operation")
            if not isinstance(operation, InsertOne):
                QUERY_SHAPES.record(self._raw.name, "write", {"filter": selector})
        try:
            result = self._raw.bulk_write(requests, session=session, **kwargs)
        except BulkWriteError as error:
            failed = {e["index"] for e in error.details.get("writeErrors", ())}
            if kwargs.get("ordered", True):  # an ordered write stops at its first failure
                applied = range(min(failed, default=len(requests)))
            else:
                applied = [i for i in range(len(requests)) if i not in failed]
            upserted = [u["_id"] for u in error.details.get("upserted", ())]
            if applied:
                self._bulk_event([requests[i] for i in applied], [writes[i] for i in applied],
                                 upserted, session)  # fmt: skip
            raise
        except PyMongoError:
            self._emit("update", [], [], {}, session=session, writes=writes, applied=False)
            raise
        self._bulk_event(requests, writes, list(result.upserted_ids.values()), session)
        return result

    # Events.

    def _owner(self, filter_):
        """The school a platform-wide write's filter names (its cache alone goes stale)."""
        if self._institution_id is not None:
            return None
        owner = filter_.get(self._tenant_field)
        return owner if isinstance(owner, ObjectId) else None

    def _bulk_event(self, operations, writes, upserted_ids, session):
        fields, ids = set(), list(upserted_ids)
        for operation, (document, change) in zip(operations, writes, strict=True):
            if change is None and isinstance(operation, InsertOne):
                fields.update(inserted_fields([document]))
                ids.append(document.get("_id"))
            else:
                fields.update(describe_update(change or {})[0])
        self._emit("update", ids, sorted(fields), {}, session=session, writes=writes)

    def _updated(self, filter_, update, ids, session, owner=None):
        fields, values, previous = describe_update(update)
        ids = [i for i in ids if i is not None]
        target = filter_.get("_id")
        if not ids and target is not None:
            ids = list(target["$in"]) if isinstance(target, dict) and "$in" in target else [target]
        self._emit("update", ids, fields, values, previous, session=session, owner=owner,
                   writes=[(filter_, update)])  # fmt: skip

    def _partitions(self, writes):
        if self._partition_field is None:
            return None
        field = self._partition_field
        touched = {touched_partition(selector, change, field) for selector, change in writes}
        return frozenset(touched or {ANY_PARTITION})

    def _emit(self, action, ids, fields, values, previous=None, *, session=None, owner=None,
              writes=(), applied=True):  # fmt: skip
        if not self._emits:
            return
        emit_write(
            WriteEvent(
                collection=self._raw.name,
                institution_id=owner or self._institution_id,
                action=action,
                ids=tuple(i for i in ids if i is not None),
                fields=tuple(fields),
                values=values,
                previous=previous or {},
                partitions=self._partitions(writes),
                session=session,
                applied=applied,
            )
        )
