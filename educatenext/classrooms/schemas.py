"""Classroom payloads."""

from marshmallow import fields, validate

from educatenext.extensions import StrictSchema
from educatenext.platform.http.listing import ListQuerySchema, sort_field
from educatenext.platform.http.schemas import ObjectIdField, ResourceSchema

STATUSES = ("active", "archived")
ACADEMIC_YEAR = validate.Regexp(r"^\d{4}-\d{4}$", error="Like 2025-2026.")


class ClassroomCreateSchema(StrictSchema):
    """A classroom (a class group) for one academic year."""

    name = fields.String(
        required=True, validate=validate.Length(min=1, max=80), metadata={"example": "Grade 5 A"}
    )
    academicYear = fields.String(
        required=True, validate=ACADEMIC_YEAR, metadata={"example": "2025-2026"}
    )
    capacity = fields.Integer(
        required=True, validate=validate.Range(min=1, max=500), metadata={"example": 40}
    )
    primaryTeacherId = ObjectIdField(
        allow_none=True, metadata={"description": "A teacher profile id"}
    )
    subjectIds = fields.List(ObjectIdField(), validate=validate.Length(max=30))
    room = fields.String(validate=validate.Length(max=40))


class ClassroomUpdateSchema(StrictSchema):
    """Editable fields; capacity cannot drop below the current enrollment."""

    name = fields.String(validate=validate.Length(min=1, max=80))
    academicYear = fields.String(validate=ACADEMIC_YEAR)
    capacity = fields.Integer(validate=validate.Range(min=1, max=500))
    primaryTeacherId = ObjectIdField(allow_none=True)
    subjectIds = fields.List(ObjectIdField(), validate=validate.Length(max=30))
    room = fields.String(validate=validate.Length(max=40), allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))


class ClassroomSchema(ResourceSchema):
    """A classroom."""

    name = fields.String(metadata={"example": "Grade 5 A"})
    academicYear = fields.String(metadata={"example": "2025-2026"})
    capacity = fields.Integer(metadata={"example": 40})
    enrolledCount = fields.Integer(metadata={"example": 38})
    primaryTeacherId = ObjectIdField()
    subjectIds = fields.List(ObjectIdField())
    room = fields.String()
    status = fields.String()


class ClassroomEnvelopeSchema(StrictSchema):
    """{message, classroom}."""

    message = fields.String()
    classroom = fields.Nested(ClassroomSchema)


class ClassroomQuerySchema(ListQuerySchema):
    """Filters: academicYear, status, q; sort by name."""

    academicYear = fields.String(validate=ACADEMIC_YEAR)
    status = fields.String(validate=validate.OneOf(STATUSES))
    sort = sort_field("name", "academicYear")
