"""School structure: subjects, teachers, classrooms, students, enrollments, counters.

Each list endpoint's query shape (tenant, row scope, allow-listed filters, name prefix)
has an index whose key order matches it. Two single-field student indexes from 0001 become
prefixes of wider ones here, so they are dropped (down() restores them).
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

STRING = {"$type": "string"}
OBJECT_ID = {"$type": "objectId"}


def tenant(*keys, **options):
    """An index led by institutionId, named after its keys unless given a name."""
    fields = [("institutionId", ASC), *((key, ASC) for key in keys)]
    return IndexModel(fields, **options)


INDEXES = {
    "users": [tenant("nameLower", name="users_tenant_name_lower")],
    "subjects": [
        tenant("code", name="subjects_tenant_code_unique", unique=True, partialFilterExpression={"code": STRING}),
        tenant("status", "nameLower", name="subjects_tenant_status_name"),
        tenant("nameLower", name="subjects_tenant_name"),
    ],
    "teachers": [
        tenant("employeeId", name="teachers_tenant_employee_unique", unique=True,
               partialFilterExpression={"employeeId": STRING}),
        tenant("userId", name="teachers_tenant_user_unique", unique=True, partialFilterExpression={"userId": OBJECT_ID}),
        tenant("status", "nameLower", name="teachers_tenant_status_name"),
        tenant("nameLower", name="teachers_tenant_name"),
    ],
    "classrooms": [
        # name and academicYear are required, so this unique index needs no partial filter
        # (which would also keep the dev server's planner from using it for listing).
        tenant("academicYear", "nameLower", name="classrooms_tenant_year_name_unique", unique=True),
        tenant("academicYear", "status", "nameLower", name="classrooms_tenant_year_status_name"),
        tenant("status", "nameLower", name="classrooms_tenant_status_name"),
        tenant("nameLower", name="classrooms_tenant_name"),
        tenant("teacherUserIds", "academicYear", "status", "nameLower", name="classrooms_tenant_teacher"),
        tenant("_id", name="classrooms_tenant_id"),
    ],
    "students": [
        tenant("status", "classroomId", "nameLower", name="students_tenant_status_classroom_name"),
        tenant("classroomId", "nameLower", name="students_tenant_classroom_name"),
        tenant("status", "nameLower", name="students_tenant_status_name"),
        tenant("nameLower", name="students_tenant_name"),
        tenant("guardianUserIds", "status", name="students_tenant_guardians"),
        tenant("userId", name="students_tenant_user_unique", unique=True, partialFilterExpression={"userId": OBJECT_ID}),
        # Partial indexes only serve queries that repeat their filter; the self-view query is plain.
        tenant("userId", "status", name="students_tenant_user_status"),
        tenant("generatedId", name="students_tenant_generated_unique", unique=True,
               partialFilterExpression={"generatedId": STRING}),
    ],
    "enrollments": [
        tenant("studentId", name="enrollments_one_active_per_student", unique=True,
               partialFilterExpression={"status": "active"}),
        tenant("studentId", "status", name="enrollments_tenant_student_status"),
    ],
}  # fmt: skip

SUPERSEDED = {
    "users": [IndexModel([("institutionId", ASC), ("name", ASC)], name="users_tenant_name")],
    "students": [
        IndexModel([("institutionId", ASC), ("status", ASC)], name="students_tenant_status"),
        IndexModel(
            [("institutionId", ASC), ("classroomId", ASC)], name="students_tenant_classroom"
        ),
    ],
}


def up(db):
    """Create the new indexes, then drop the ones they supersede."""
    create_indexes(db, INDEXES)
    drop_indexes(db, SUPERSEDED)


def down(db):
    """Restore the superseded indexes and drop this migration's."""
    create_indexes(db, SUPERSEDED)
    drop_indexes(db, INDEXES)
