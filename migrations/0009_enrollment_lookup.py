"""Grade entry and attendance check "is (was) this student enrolled in this classroom?".

{institutionId, studentId, classroomId, startDate}: found by the query-plan tour once it also walked the
write endpoints (before it, grade entry scanned every enrollment of the school).
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

INDEXES = {
    "enrollments": [
        IndexModel(
            [("institutionId", ASC), ("studentId", ASC), ("classroomId", ASC), ("startDate", ASC)],
            name="enrollments_student_classroom",
        )
    ],
}


def up(db):
    """Create the index."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop it."""
    drop_indexes(db, INDEXES)
