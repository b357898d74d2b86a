"""Request keys stamped on documents created by a keyed request (exactly-once after crashes).

A keyed request's record is completed only after its writes, so a worker killed in between
leaves the write applied and the record unfinished. Every document the request inserts
carries `requestKey` = "<record id>:<n>" (n counts inserts in the request, the same on a
re-run), unique per institution in its collection (migration 0010): the retry that takes
the request over looks for its own earlier insert first (inside a transaction a duplicate
would abort it) and returns it instead of creating a second document. A transaction that
also moves a counter or a balance asks for that insert before anything else
(`resumed_insert`), and in_transaction rewinds the numbering on each retry of its callback.
"""

from flask import has_request_context

from educatenext.platform import request_state


def begin(record_id, resumed):
    """Stamp this request's inserts from now on; resumed: a crashed attempt may have written."""
    state = request_state.current()
    state.idempotency_record = record_id
    state.idempotency_inserts = 0
    state.idempotency_resumed = resumed


def resumed():
    """True in a request that took over a crashed attempt's record."""
    return has_request_context() and request_state.current().idempotency_resumed


def inserts_so_far():
    """How many inserts this request has stamped (a transaction attempt rewinds to it)."""
    if not has_request_context():
        return 0
    return request_state.current().idempotency_inserts


def rewind(count):
    """Number the next insert as if only count had been made: a retried transaction's writes
    were rolled back, and its inserts must carry the same keys as on the first try."""
    if has_request_context():
        request_state.current().idempotency_inserts = count


def upcoming_request_key():
    """The key the next insert will carry (not taken), or None outside a keyed request."""
    if not has_request_context():
        return None
    state = request_state.current()
    if state.idempotency_record is None:
        return None
    return f"{state.idempotency_record}:{state.idempotency_inserts + 1}"


def next_request_key():
    """The key for this request's next insert, or None outside a keyed request."""
    if not has_request_context():
        return None
    state = request_state.current()
    if state.idempotency_record is None:
        return None
    state.idempotency_inserts += 1
    return f"{state.idempotency_record}:{state.idempotency_inserts}"
