"""One multi-document transaction, retried whole on a transient error (pymongo's rule)."""

from educatenext.extensions import mongo
from educatenext.platform.mongo import stamps


def in_transaction(write):
    """write(session)'s answer, its writes committed together or not at all."""
    first_insert = stamps.inserts_so_far()

    def attempt(session):
        # A retried attempt starts from rolled-back writes: its inserts take the same request
        # keys again, so a crashed request's re-run can find what the committed try inserted.
        stamps.rewind(first_insert)
        return write(session)

    with mongo.client.start_session() as session:
        return session.with_transaction(attempt)
