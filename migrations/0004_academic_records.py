"""Academic records: attendance, QR sessions, grades, report cards.

Attendance is one record per student, classroom and day (unique). Each list/report query
shape has an index with the same key order, equality keys first and the date range last
(the brief's attendance and grades indexes from 0001 serve the per-student queries).
"""

from pymongo import ASCENDING as ASC
from pymongo import DESCENDING as DESC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes


def tenant(*keys, **options):
    """An index led by institutionId; a key written '-date' is descending."""
    fields = [("institutionId", ASC)]
    fields += [(key.lstrip("-"), DESC if key.startswith("-") else ASC) for key in keys]
    return IndexModel(fields, **options)


INDEXES = {
    "attendance": [
        tenant("studentId", "classroomId", "date", name="attendance_one_per_student_classroom_day", unique=True),
        tenant("classroomId", "-date", name="attendance_tenant_classroom_date"),
        tenant("classroomId", "status", "-date", name="attendance_tenant_classroom_status_date"),
        tenant("status", "-date", name="attendance_tenant_status_date"),
        tenant("-date", name="attendance_tenant_date"),
    ],
    "attendance_sessions": [
        tenant("classroomId", "sessionType", name="attendance_sessions_one_active", unique=True,
               partialFilterExpression={"status": "active"}),
        tenant("teacherUserId", "status", name="attendance_sessions_teacher_status"),
        tenant("teacherUserId", "-startedAt", name="attendance_sessions_teacher_started"),
        tenant("-startedAt", name="attendance_sessions_tenant_started"),
    ],
    "grades": [
        tenant("classroomId", "academicYear", "semester", "subjectId", name="grades_tenant_classroom_period"),
        tenant("classroomId", "academicYear", "subjectId", name="grades_tenant_classroom_year_subject"),
        tenant("studentId", "academicYear", "semester", "published", name="grades_tenant_student_period"),
        tenant("studentId", "academicYear", "published", name="grades_tenant_student_year_published"),
        tenant("studentId", "-date", name="grades_tenant_student_date"),
    ],
    "assignments": [
        tenant("classroomId", "status", "-dueDate", name="assignments_tenant_classroom_status_due"),
    ],
    "submissions": [
        tenant("assignmentId", "studentId", name="submissions_one_per_student", unique=True),
        tenant("assignmentId", "submittedAt", name="submissions_tenant_assignment_time"),
    ],
    "report_cards": [
        tenant("studentId", "academicYear", "semester", name="report_cards_one_per_period", unique=True),
        tenant("classroomId", "academicYear", name="report_cards_tenant_classroom"),
    ],
}  # fmt: skip


def up(db):
    """Create the indexes."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop them."""
    drop_indexes(db, INDEXES)
