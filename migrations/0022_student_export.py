"""Indexes the student data export (and erasure) reads by student.

A student's accounts (users.studentId), their guardians' accounts (users.childStudentIds),
their submissions and the audit events naming them in their values had no index that starts
with the student: each would have scanned the school.
"""

from pymongo import ASCENDING as ASC
from pymongo import DESCENDING as DESC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

INDEXES = {
    "users": [
        IndexModel([("institutionId", ASC), ("studentId", ASC)], name="users_tenant_student"),
        IndexModel(
            [("institutionId", ASC), ("childStudentIds", ASC)], name="users_tenant_children"
        ),
    ],
    "submissions": [
        IndexModel([("institutionId", ASC), ("studentId", ASC)], name="submissions_tenant_student")
    ],
    "audit_events": [
        IndexModel(
            [("institutionId", ASC), ("values.studentId", ASC), ("at", DESC)],
            name="audit_tenant_value_student_at",
        )
    ],
}


def up(db):
    """Create the by-student indexes."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop them."""
    drop_indexes(db, INDEXES)
