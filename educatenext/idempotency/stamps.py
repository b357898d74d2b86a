"""Request keys stamped on documents created by a keyed request (exactly-once after crashes).

A keyed request's record is completed only after its writes, so a worker killed in between
leaves the write applied and the record unfinished. Every document the request inserts
carries `requestKey` = "<record id>:<n>" (n counts inserts in the request, the same on a
re-run), unique per institution in its collection (migration 0010): the retry that takes
the request over looks for its own earlier insert first (inside a transaction a duplicate
would abort it) and returns it instead of creating a second document.
"""

from flask import g, has_request_context


def begin(record_id, resumed):
    """Stamp this request's inserts from now on; resumed: a crashed attempt may have written."""
    g.request_key_base = record_id
    g.request_key_count = 0
    g.request_key_resumed = resumed


def resumed():
    """True in a request that took over a crashed attempt's record."""
    return has_request_context() and g.get("request_key_resumed", False)


def next_request_key():
    """The key for this request's next insert, or None outside a keyed request."""
    if not has_request_context() or g.get("request_key_base") is None:
        return None
    g.request_key_count += 1
    return f"{g.request_key_base}:{g.request_key_count}"
