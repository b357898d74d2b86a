"""Idempotency records expire with their TTL (24 h by default, IDEMPOTENCY_TTL_SECONDS)."""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

INDEXES = {
    "idempotency_keys": [
        IndexModel([("expiresAt", ASC)], name="idempotency_keys_ttl", expireAfterSeconds=0)
    ],
}


def up(db):
    """Create the TTL index (_id is the unique key)."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop it."""
    drop_indexes(db, INDEXES)
