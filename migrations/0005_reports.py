"""Reports: the index the classroom daily sheet's enrollment match needs."""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

INDEXES = {
    "enrollments": [
        IndexModel(
            [("institutionId", ASC), ("classroomId", ASC), ("startDate", ASC)],
            name="enrollments_tenant_classroom_start",
        ),
    ],
}


def up(db):
    """Create the index."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop it."""
    drop_indexes(db, INDEXES)
