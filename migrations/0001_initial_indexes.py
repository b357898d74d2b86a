"""Create the product brief's indexes, tenant-led, plus the model's unique indexes.

The brief (phase2-kickoff.md) lists indexes without a tenant; every query we issue is
scoped by institutionId, so each index is led by it. Where the brief lists an index that
is a prefix of another of its indexes, one index serves both (MongoDB uses prefixes):

    brief                                                 -> index name
    students    {institutionId, status}                   -> students_tenant_status
    students    {institutionId, classroomId}              -> students_tenant_classroom
    attendance  {studentId, date: -1}                     -> attendance_tenant_student_date
    attendance  {studentId, date: -1, status}             -> attendance_tenant_student_status_date
    grades      {studentId, subjectId}                    -> grades_tenant_student_subject_period
    grades      {studentId, subjectId, gradingPeriod}     -> grades_tenant_student_subject_period
    enrollments {classroomId, status}                     -> enrollments_tenant_classroom_status
    users       {institutionId, role, status}             -> users_tenant_role_status
    assignments {classroomId, dueDate: -1}                -> assignments_tenant_classroom_due

A grading period is (academicYear, semester) in our model. Range keys (dates) come after
the equality keys (MongoDB's Equality-Sort-Range rule), so the brief's attendance
{studentId, date, status} becomes {studentId, status, date}: with status after the date
range the index could only filter status while scanning, and the dev server (secantusdb)
even drops the range's upper bound when more keys follow it.
"""

from pymongo import ASCENDING as ASC
from pymongo import DESCENDING as DESC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

STRING = {"$type": "string"}

INDEXES = {
    "students": [
        IndexModel([("institutionId", ASC), ("status", ASC)], name="students_tenant_status"),
        IndexModel(
            [("institutionId", ASC), ("classroomId", ASC)], name="students_tenant_classroom"
        ),
    ],
    "attendance": [
        IndexModel(
            [("institutionId", ASC), ("studentId", ASC), ("date", DESC)],
            name="attendance_tenant_student_date",
        ),
        IndexModel(
            [("institutionId", ASC), ("studentId", ASC), ("status", ASC), ("date", DESC)],
            name="attendance_tenant_student_status_date",
        ),
    ],
    "grades": [
        IndexModel(
            [
                ("institutionId", ASC),
                ("studentId", ASC),
                ("subjectId", ASC),
                ("academicYear", ASC),
                ("semester", ASC),
            ],
            name="grades_tenant_student_subject_period",
        ),
    ],
    "enrollments": [
        IndexModel(
            [("institutionId", ASC), ("classroomId", ASC), ("status", ASC)],
            name="enrollments_tenant_classroom_status",
        ),
    ],
    "users": [
        IndexModel(
            [("institutionId", ASC), ("role", ASC), ("status", ASC)],
            name="users_tenant_role_status",
        ),
        # Login is by email alone, so emails are unique platform-wide (stored lowercased).
        IndexModel(
            [("email", ASC)],
            name="users_email_unique",
            unique=True,
            partialFilterExpression={"email": STRING},
        ),
    ],
    "assignments": [
        IndexModel(
            [("institutionId", ASC), ("classroomId", ASC), ("dueDate", DESC)],
            name="assignments_tenant_classroom_due",
        ),
    ],
}


def up(db):
    """Create the indexes (a no-op for identical existing ones)."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop the indexes this migration created."""
    drop_indexes(db, INDEXES)
