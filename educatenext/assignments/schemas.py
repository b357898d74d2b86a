"""Assignment payloads."""

from marshmallow import fields, validate

from educatenext.extensions import StrictSchema
from educatenext.platform.http.listing import SortedQuerySchema, sort_field
from educatenext.platform.http.schemas import (
    ObjectIdField,
    PaginationQuerySchema,
    ResourceSchema,
    UTCDateTime,
)

STATUSES = ("active", "archived")


class AssignmentCreateSchema(StrictSchema):
    """Homework or coursework for a classroom."""

    classroomId = ObjectIdField(required=True)
    subjectId = ObjectIdField()
    title = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"example": "Fractions worksheet"},
    )
    description = fields.String(validate=validate.Length(max=5000))
    dueDate = fields.AwareDateTime(
        required=True, default_timezone=None, metadata={"example": "2025-10-10T15:00:00Z"}
    )
    maxMarks = fields.Float(validate=validate.Range(min=0, min_inclusive=False, max=1000))


class AssignmentUpdateSchema(StrictSchema):
    """Editable fields."""

    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=5000))
    dueDate = fields.AwareDateTime()
    maxMarks = fields.Float(validate=validate.Range(min=0, min_inclusive=False, max=1000))
    status = fields.String(validate=validate.OneOf(STATUSES))


class AssignmentSchema(ResourceSchema):
    """An assignment."""

    classroomId = ObjectIdField()
    subjectId = ObjectIdField()
    title = fields.String()
    description = fields.String()
    dueDate = UTCDateTime()
    maxMarks = fields.Float()
    status = fields.String()
    createdBy = ObjectIdField()


class AssignmentEnvelopeSchema(StrictSchema):
    """{message, assignment}."""

    message = fields.String()
    assignment = fields.Nested(AssignmentSchema)


class AssignmentQuerySchema(SortedQuerySchema):
    """Filters: classroomId, status, due-date range."""

    classroomId = ObjectIdField()
    status = fields.String(validate=validate.OneOf(STATUSES))
    dueFrom = fields.AwareDateTime()
    dueTo = fields.AwareDateTime()
    sort = sort_field("dueDate", default="-dueDate")


class DueSoonQuerySchema(PaginationQuerySchema):
    """The next N days of a classroom (or of the caller's classrooms)."""

    classroomId = ObjectIdField()
    days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=60))


class SubmitSchema(StrictSchema):
    """A student's work."""

    content = fields.String(validate=validate.Length(max=20000))
    attachmentUrl = fields.Url(schemes={"https"}, validate=validate.Length(max=500))


class SubmissionSchema(ResourceSchema):
    """A submission: 'submitted', or 'late' when after the due date."""

    assignmentId = ObjectIdField()
    studentId = ObjectIdField()
    content = fields.String()
    attachmentUrl = fields.String()
    status = fields.String(metadata={"example": "submitted"})
    submittedAt = UTCDateTime()


class SubmissionEnvelopeSchema(StrictSchema):
    """{message, submission}."""

    message = fields.String()
    submission = fields.Nested(SubmissionSchema)
