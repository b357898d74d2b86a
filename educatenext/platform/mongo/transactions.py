"""One multi-document transaction, retried whole on a transient error (pymongo's rule)."""

from educatenext.extensions import mongo


def in_transaction(write):
    """write(session)'s answer, its writes committed together or not at all."""
    with mongo.client.start_session() as session:
        return session.with_transaction(write)
