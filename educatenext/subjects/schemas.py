"""Subject payloads."""

from marshmallow import fields, pre_load, validate

from educatenext.extensions import StrictSchema
from educatenext.platform.http.listing import ListQuerySchema, sort_field
from educatenext.platform.http.schemas import ResourceSchema

STATUSES = ("active", "archived")


class SubjectCreateSchema(StrictSchema):
    """A subject of the curriculum."""

    name = fields.String(
        required=True, validate=validate.Length(min=1, max=120), metadata={"example": "Mathematics"}
    )
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Z0-9][A-Z0-9-]{0,19}$", error="1-20 letters, digits or dashes."
        ),
        metadata={"example": "MATH-101"},
    )
    description = fields.String(validate=validate.Length(max=500))

    @pre_load
    def upper_code(self, data, **kwargs):
        """Codes are case-insensitive: stored uppercase."""
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            data = {**data, "code": data["code"].strip().upper()}
        return data


class SubjectUpdateSchema(SubjectCreateSchema):
    """Editable fields."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    code = fields.String(
        validate=validate.Regexp(
            r"^[A-Z0-9][A-Z0-9-]{0,19}$", error="1-20 letters, digits or dashes."
        )
    )
    status = fields.String(validate=validate.OneOf(STATUSES))


class SubjectSchema(ResourceSchema):
    """A subject."""

    name = fields.String(metadata={"example": "Mathematics"})
    code = fields.String(metadata={"example": "MATH-101"})
    description = fields.String()
    status = fields.String(metadata={"example": "active"})


class SubjectEnvelopeSchema(StrictSchema):
    """{message, subject}."""

    message = fields.String()
    subject = fields.Nested(SubjectSchema)


class SubjectQuerySchema(ListQuerySchema):
    """Filters: status, q (name prefix); sort by name or code."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    sort = sort_field("name", "code")
