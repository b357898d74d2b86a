"""The seam between the data layer and what watches it: one WriteEvent per write, and reads.

Repositories write through a ScopedCollection, which emits a WriteEvent after every write
it made (or may have made) and announces every collection it opens for a read. The
platform knows nothing of its subscribers: the app factory subscribes the audit recorder
(an audit document per event, in the write's transaction) and the response cache (the
written collection's generation tokens are replaced before the response leaves; what a
cached view read becomes its entry's dependencies).
"""

from dataclasses import dataclass

from bson import ObjectId

ANY_PARTITION = "*"  # a write whose partition is unknown: it may have touched every partition
# Bookkeeping fields an inserted document's event does not name.
UNNAMED_FIELDS = frozenset({"_id", "createdAt", "updatedAt", "institutionId", "requestKey"})
OPERATORS = ("$set", "$setOnInsert", "$inc", "$push", "$addToSet", "$pull", "$unset")


@dataclass(frozen=True, slots=True)
class WriteEvent:
    """One write to one collection of one school (institution_id None: platform-wide)."""

    collection: str
    institution_id: ObjectId | None
    action: str  # "create", "update" or "delete"
    ids: tuple  # the documents written, where the write names them
    fields: tuple  # the names of the fields written, sorted
    values: dict  # the new values the write set (for an insert: the document)
    previous: dict  # the values it says it replaced (an update pushing a history entry)
    partitions: frozenset | None  # partition values touched; None: not a partitioned collection
    session: object = None  # the write's session: a subscriber writing too joins its transaction
    # False when the write failed with an unknown outcome: it may have written, so caches
    # must go stale, but there is nothing certain to record.
    applied: bool = True


_WRITE_SUBSCRIBERS = []
_READ_SUBSCRIBERS = []


def subscribe(*, on_write=None, on_read=None):
    """Add a subscriber (once: the factory runs for every app a process builds).

    on_write(event) runs after each write, in subscription order; an exception it raises
    fails the write's request (the audit trail must not miss a write). on_read(collection,
    partition_value) runs when a repository opens a collection to read it.
    """
    if on_write is not None and on_write not in _WRITE_SUBSCRIBERS:
        _WRITE_SUBSCRIBERS.append(on_write)
    if on_read is not None and on_read not in _READ_SUBSCRIBERS:
        _READ_SUBSCRIBERS.append(on_read)


def emit_write(event):
    """Hand a write's event to every subscriber."""
    for subscriber in _WRITE_SUBSCRIBERS:
        subscriber(event)


def announce_read(collection_name, partition_value=None):
    """Tell subscribers a collection (or one partition of it) is being read."""
    for subscriber in _READ_SUBSCRIBERS:
        subscriber(collection_name, partition_value)


def describe_update(update):
    """(written field names, the values $set writes, the values a pushed history replaced)."""
    names, values, previous = set(), {}, {}
    for operator in OPERATORS:
        part = update.get(operator) or {}
        names.update(key for key in part if key not in ("updatedAt", "createdAt"))
        if operator == "$set":
            values.update(part)
    history = (update.get("$push") or {}).get("history")
    if isinstance(history, dict):  # a correction pushes what it replaced (grades do)
        previous = dict(history.get("previous") or {})
        names.discard("history")
    return sorted(names), values, previous


def inserted_fields(documents):
    """The field names inserted documents carry, without the bookkeeping ones."""
    return sorted({key for document in documents for key in document} - UNNAMED_FIELDS)


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
