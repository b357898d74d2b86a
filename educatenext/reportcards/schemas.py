"""Report card payloads."""

from marshmallow import fields, validate

from educatenext.analytics.schemas import StatusCountsSchema
from educatenext.classrooms.schemas import ACADEMIC_YEAR
from educatenext.extensions import StrictSchema
from educatenext.grades.scale import SEMESTERS
from educatenext.grades.schemas import SubjectResultSchema
from educatenext.platform.http.schemas import (
    ObjectIdField,
    PaginationQuerySchema,
    ResourceSchema,
    UTCDateTime,
)


class ReportCardCreateSchema(StrictSchema):
    """Compute (or recompute, while unpublished) a student's report card."""

    studentId = ObjectIdField(required=True)
    academicYear = fields.String(
        required=True, validate=ACADEMIC_YEAR, metadata={"example": "2025-2026"}
    )
    semester = fields.String(required=True, validate=validate.OneOf(SEMESTERS))
    remarks = fields.String(validate=validate.Length(max=1000))


class AttendanceSummarySchema(StatusCountsSchema):
    """Counts per status and the attendance rate ((present + late) / all records)."""


class ReportCardSchema(ResourceSchema):
    """A report card."""

    studentId = ObjectIdField()
    classroomId = ObjectIdField()
    academicYear = fields.String()
    semester = fields.String()
    subjects = fields.List(fields.Nested(SubjectResultSchema))
    overallPercentage = fields.Float(allow_none=True)
    overallGrade = fields.String(allow_none=True)
    gpa = fields.Float(allow_none=True)
    classRank = fields.Integer(allow_none=True)
    classSize = fields.Integer()
    attendance = fields.Nested(AttendanceSummarySchema)
    remarks = fields.String()
    published = fields.Boolean()
    publishedAt = UTCDateTime()
    generatedBy = ObjectIdField()


class ReportCardEnvelopeSchema(StrictSchema):
    """{message, report}."""

    message = fields.String()
    report = fields.Nested(ReportCardSchema)


class ReportCardQuerySchema(PaginationQuerySchema):
    """GET /reports?studentId (optional for staff), academicYear, semester, page, limit."""

    studentId = ObjectIdField()
    academicYear = fields.String(validate=ACADEMIC_YEAR)
    semester = fields.String(validate=validate.OneOf(SEMESTERS))
