"""Exactly-once keyed creates: documents inserted by an Idempotency-Key request carry a
requestKey, unique per institution, so a retry that takes over after a crashed worker finds
the first attempt's document instead of inserting another (educatenext.platform.mongo.stamps).

Partial on requestKey existing: documents created without a key are not in the index.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

COLLECTIONS = (
    "assignments",
    "attendance",
    "attendance_sessions",
    "classrooms",
    "enrollments",
    "grades",
    "institutions",
    "invitations",
    "report_cards",
    "students",
    "subjects",
    "submissions",
    "teachers",
    "users",
)

INDEXES = {
    name: [
        IndexModel(
            [("institutionId", ASC), ("requestKey", ASC)],
            name=f"{name}_request_key",
            unique=True,
            partialFilterExpression={"requestKey": {"$exists": True}},
        )
    ]
    for name in COLLECTIONS
}


def up(db):
    """Create the indexes."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop them."""
    drop_indexes(db, INDEXES)
