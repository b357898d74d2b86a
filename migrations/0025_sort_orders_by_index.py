"""Every list order is supplied by an index ending in the _id tie-breaker (`flask db explain`).

Lists sort by a key then _id ({nameLower, _id}, {date, _id}, ...). An index that stops at the
key gives MongoDB no order for the tie-breaker, so it sorted the matching documents in memory:
at scale a page of 50 sorted the whole school. Each such index is replaced by the same keys
plus _id (a longer index serves every query the shorter one did), created before the old one
is dropped so no query goes without; orders no index held get one. The new indexes are the
old ones' names with `_id` appended. Directions are the replaced
indexes' (dates newest first, as the brief lists them); walked backwards an index gives the
reverse order too. secantusdb scans a range followed by more keys right only when its ends
are exclusive (educatenext/platform/mongo/bounds.py, decision 0004).
"""

from pymongo import ASCENDING as ASC
from pymongo import DESCENDING as DESC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

T = ("institutionId", ASC)

# collection: [(name of the index it replaces or None, keys before the _id tie-breaker)]
ORDERS = {
    "assignments": [("assignments_tenant_classroom_due", [T, ("classroomId", ASC), ("dueDate", DESC)])],
    "attendance": [
        ("attendance_tenant_classroom_date", [T, ("classroomId", ASC), ("date", DESC)]),
        ("attendance_tenant_date", [T, ("date", DESC)]),
        ("attendance_tenant_student_date", [T, ("studentId", ASC), ("date", DESC)]),
        ("attendance_tenant_student_status_date",
         [T, ("studentId", ASC), ("status", ASC), ("date", DESC)]),
    ],
    "classrooms": [
        ("classrooms_tenant_name", [T, ("nameLower", ASC)]),
        ("classrooms_tenant_status_name", [T, ("status", ASC), ("nameLower", ASC)]),
        (None, [T, ("teacherUserIds", ASC), ("nameLower", ASC)]),
    ],
    "enrollments": [
        ("enrollments_tenant_classroom_start", [T, ("classroomId", ASC), ("startDate", ASC)]),
        (None, [T, ("startDate", ASC)]),
        (None, [T, ("status", ASC), ("startDate", ASC)]),
        (None, [T, ("studentId", ASC), ("startDate", ASC)]),
    ],
    "grades": [
        ("grades_student_published_date",
         [T, ("studentId", ASC), ("published", ASC), ("date", DESC)]),
        ("grades_tenant_student_date", [T, ("studentId", ASC), ("date", DESC)]),
        ("grades_tenant_classroom_year_subject",
         [T, ("classroomId", ASC), ("academicYear", ASC), ("subjectId", ASC), ("date", DESC)]),
        (None, [T, ("classroomId", ASC), ("date", DESC)]),
    ],
    # Newest year first, semesters in order within it: the unique period index is all ascending.
    "report_cards": [(None, [T, ("studentId", ASC), ("academicYear", DESC), ("semester", ASC)])],
    "students": [
        ("students_tenant_name", [T, ("nameLower", ASC)]),
        ("students_tenant_status_name", [T, ("status", ASC), ("nameLower", ASC)]),
        ("students_tenant_classroom_name", [T, ("classroomId", ASC), ("nameLower", ASC)]),
        ("students_tenant_status_classroom_name",
         [T, ("status", ASC), ("classroomId", ASC), ("nameLower", ASC)]),
        (None, [T, ("userId", ASC), ("nameLower", ASC)]),
        # The unique generatedId index is partial (string ids only): no order for a plain list.
        (None, [T, ("generatedId", ASC)]),
    ],
    "subjects": [
        ("subjects_tenant_name", [T, ("nameLower", ASC)]),
        ("subjects_tenant_status_name", [T, ("status", ASC), ("nameLower", ASC)]),
    ],
    "teachers": [
        ("teachers_tenant_name", [T, ("nameLower", ASC)]),
        ("teachers_tenant_status_name", [T, ("status", ASC), ("nameLower", ASC)]),
    ],
    "users": [
        ("users_tenant_name_lower", [T, ("nameLower", ASC)]),
        ("users_status_name", [T, ("status", ASC), ("nameLower", ASC)]),
    ],
}  # fmt: skip


def _name(collection, replaced, keys):
    if replaced:
        return replaced + "_id"
    return "_".join([collection, "tenant", *(field for field, _ in keys[1:]), "id"])


def _with_tie_breaker(keys):
    """The keys, then _id in the direction of the last key (so both walk together)."""
    return [*keys, ("_id", keys[-1][1])]


NEW = {
    collection: [
        IndexModel(_with_tie_breaker(keys), name=_name(collection, replaced, keys))
        for replaced, keys in orders
    ]
    for collection, orders in ORDERS.items()
}
# The replaced indexes had the same keys without the tie-breaker.
REPLACED = {
    collection: [IndexModel(keys, name=replaced) for replaced, keys in orders if replaced]
    for collection, orders in ORDERS.items()
}


def up(db):
    """Create the ordered indexes, then drop the ones they replace."""
    create_indexes(db, NEW)
    for collection, indexes in REPLACED.items():
        existing = db[collection].index_information()
        for index in indexes:
            if index.document["name"] in existing:
                db[collection].drop_index(index.document["name"])


def down(db):
    """Recreate the replaced indexes, then drop the new ones."""
    create_indexes(db, REPLACED)
    drop_indexes(db, NEW)
