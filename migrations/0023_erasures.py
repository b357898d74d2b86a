"""The erasure log: one entry per erased student (ids and times only).

flask restore replays it (with the copy in ERASURE_LOG_PATH) so that an erasure made after a
backup was taken is applied again to the restored data.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

INDEXES = {
    "erasures": [
        IndexModel(
            [("institutionId", ASC), ("studentId", ASC)],
            name="erasures_tenant_student",
            unique=True,
        )
    ]
}


def up(db):
    """Create the erasure log's index."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop it (the log itself is kept)."""
    drop_indexes(db, INDEXES)
