"""Indexes found missing by `flask db explain` (the query-plan tour of every read endpoint).

- users listed by status, sorted by name;
- a student's published grades, newest first;
- {institutionId, _id} on collections read by id or by a list of ids inside a tenant.
  (classrooms have had one since 0003.) MongoDB serves `{_id, institutionId}` from the _id index alone, so there this index only
  costs a little on writes; the development server's planner needs it to avoid a full scan.
"""

from pymongo import ASCENDING as ASC
from pymongo import DESCENDING as DESC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

BY_ID = (
    "institutions", "users", "subjects", "teachers", "students", "enrollments",
    "grades", "assignments", "attendance", "invitations", "report_cards",
)  # fmt: skip


def tenant_id_index():
    """institutionId then _id."""
    return IndexModel([("institutionId", ASC), ("_id", ASC)], name="tenant_id")


INDEXES = {name: [tenant_id_index()] for name in BY_ID}
INDEXES["users"].append(
    IndexModel(
        [("institutionId", ASC), ("status", ASC), ("nameLower", ASC)], name="users_status_name"
    )
)
INDEXES["grades"].append(
    IndexModel(
        [("institutionId", ASC), ("studentId", ASC), ("published", ASC), ("date", DESC)],
        name="grades_student_published_date",
    )
)


def up(db):
    """Create the indexes."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop them."""
    drop_indexes(db, INDEXES)
