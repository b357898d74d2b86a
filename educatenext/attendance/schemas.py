"""Attendance payloads."""

from marshmallow import fields, validate

from educatenext.extensions import StrictSchema
from educatenext.platform.http.listing import SortedQuerySchema, sort_field
from educatenext.platform.http.schemas import ObjectIdField, ResourceSchema, UTCDateTime
from educatenext.students.schemas import CalendarDay

STATUSES = ("present", "absent", "late", "excused")
METHODS = ("manual", "qr_scan", "bulk")


class AttendanceMarkSchema(StrictSchema):
    """The teacher app's call."""

    studentId = ObjectIdField(required=True)
    classroomId = ObjectIdField(required=True)
    date = CalendarDay(required=True, metadata={"example": "2025-10-06"})
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    scanMethod = fields.String(load_default="manual", validate=validate.OneOf(["manual"]))
    notes = fields.String(validate=validate.Length(max=300))


class RosterEntrySchema(StrictSchema):
    """One student's mark on a roster."""

    studentId = ObjectIdField(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class RosterSchema(StrictSchema):
    """A whole classroom for one day."""

    classroomId = ObjectIdField(required=True)
    date = CalendarDay(required=True)
    entries = fields.List(
        fields.Nested(RosterEntrySchema), required=True, validate=validate.Length(min=1, max=200)
    )


class AttendanceSchema(ResourceSchema):
    """An attendance record."""

    studentId = ObjectIdField()
    classroomId = ObjectIdField()
    date = CalendarDay()
    status = fields.String(metadata={"example": "present"})
    method = fields.String(metadata={"example": "manual"})
    markedBy = ObjectIdField()
    sessionId = ObjectIdField()
    notes = fields.String()


class AttendanceEnvelopeSchema(StrictSchema):
    """{message, attendance}."""

    message = fields.String()
    attendance = fields.Nested(AttendanceSchema)


class RosterResultSchema(StrictSchema):
    """Per-student outcome of a roster call."""

    message = fields.String()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    failed = fields.Integer()
    results = fields.List(fields.Dict())


class AttendanceQuerySchema(SortedQuerySchema):
    """Filters: studentId, classroomId, status, date range."""

    studentId = ObjectIdField()
    classroomId = ObjectIdField()
    status = fields.String(validate=validate.OneOf(STATUSES))
    startDate = CalendarDay()
    endDate = CalendarDay()
    sort = sort_field("date", default="-date")


class SessionStartSchema(StrictSchema):
    """Start a QR session for a classroom."""

    classroomId = ObjectIdField(required=True)
    sessionType = fields.String(
        load_default="daily",
        validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,29}$"),
        metadata={"example": "morning"},
    )


class SessionEndSchema(StrictSchema):
    """{} (nothing to send)."""


class ScanSchema(StrictSchema):
    """A scanned student QR."""

    qrData = fields.String(required=True, validate=validate.Length(min=10, max=512))
    sessionId = ObjectIdField(required=True)
    deviceId = fields.String(validate=validate.Length(max=100))


class SessionSchema(ResourceSchema):
    """An attendance session."""

    classroomId = ObjectIdField()
    sessionType = fields.String()
    status = fields.String()
    date = CalendarDay()
    teacherUserId = ObjectIdField()
    startedAt = UTCDateTime()
    endedAt = UTCDateTime()
    scannedCount = fields.Integer()


class SessionEnvelopeSchema(StrictSchema):
    """{message, session}."""

    message = fields.String()
    session = fields.Nested(SessionSchema)


class SessionHistoryQuerySchema(SortedQuerySchema):
    """Filters for the session history."""

    classroomId = ObjectIdField()
    startDate = CalendarDay()
    endDate = CalendarDay()
    sort = sort_field("startedAt", default="-startedAt")


class StudentInfoSchema(StrictSchema):
    """{name, id}."""

    name = fields.String()
    id = fields.String()


class ScanResultSchema(StrictSchema):
    """{message, attendanceRecord, studentInfo}."""

    message = fields.String()
    attendanceRecord = fields.Nested(AttendanceSchema)
    studentInfo = fields.Nested(StudentInfoSchema)
