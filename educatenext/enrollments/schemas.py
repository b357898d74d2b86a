"""Enrollment payloads."""

from marshmallow import fields, validate

from educatenext.extensions import StrictSchema
from educatenext.platform.http.listing import SortedQuerySchema, sort_field
from educatenext.platform.http.schemas import ObjectIdField, ResourceSchema
from educatenext.students.schemas import CalendarDay

STATUSES = ("active", "withdrawn", "transferred")


class EnrollmentCreateSchema(StrictSchema):
    """Enroll a student into a classroom from a date (default: today)."""

    studentId = ObjectIdField(required=True)
    classroomId = ObjectIdField(required=True)
    startDate = CalendarDay(metadata={"example": "2025-09-01"})


class EnrollmentBulkSchema(StrictSchema):
    """Enroll up to 200 students into one classroom; each gets its own result."""

    classroomId = ObjectIdField(required=True)
    studentIds = fields.List(
        ObjectIdField(), required=True, validate=validate.Length(min=1, max=200)
    )
    startDate = CalendarDay()


class EnrollmentWithdrawSchema(StrictSchema):
    """End an enrollment."""

    status = fields.String(required=True, validate=validate.OneOf(["withdrawn"]))
    endDate = CalendarDay()
    reason = fields.String(validate=validate.Length(max=300))


class EnrollmentTransferSchema(StrictSchema):
    """Move the student to another classroom from a date."""

    classroomId = ObjectIdField(required=True)
    date = CalendarDay()
    reason = fields.String(validate=validate.Length(max=300))


class EnrollmentSchema(ResourceSchema):
    """An enrollment."""

    studentId = ObjectIdField()
    classroomId = ObjectIdField()
    academicYear = fields.String()
    status = fields.String(metadata={"example": "active"})
    startDate = CalendarDay()
    endDate = CalendarDay(allow_none=True)
    reason = fields.String()
    transferredTo = ObjectIdField()


class EnrollmentEnvelopeSchema(StrictSchema):
    """{message, enrollment}."""

    message = fields.String()
    enrollment = fields.Nested(EnrollmentSchema)


class EnrollmentQuerySchema(SortedQuerySchema):
    """Filters: classroomId, studentId, status; sort by startDate or createdAt."""

    classroomId = ObjectIdField()
    studentId = ObjectIdField()
    status = fields.String(validate=validate.OneOf(STATUSES))
    sort = sort_field("startDate", "createdAt", default="-startDate")
