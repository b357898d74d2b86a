"""Schemas shared by every resource: the error envelope and pagination arguments."""

from marshmallow import RAISE, Schema, fields, validate

from educatenext.errors import ERROR_CODES


class ErrorDetailSchema(Schema):
    """One invalid input."""

    location = fields.String(metadata={"description": "json, query, path or headers"})
    field = fields.String(allow_none=True)
    message = fields.String()


class ErrorSchema(Schema):
    """The APIError envelope every error response carries."""

    error = fields.String(required=True, metadata={"description": "Human-readable message"})
    message = fields.String(required=True, metadata={"description": "Same text as error"})
    code = fields.String(
        required=True,
        validate=validate.OneOf(sorted(ERROR_CODES)),
        metadata={"description": "Stable machine-readable code"},
    )
    timestamp = fields.String(required=True, metadata={"description": "ISO 8601, UTC"})
    requestId = fields.String(required=True, metadata={"description": "Echoes X-Request-ID"})  # noqa: N815
    details = fields.Raw(metadata={"description": "Per-field problems or dependency states"})


class PaginationQuerySchema(Schema):
    """page (1-based) and limit; the maximum is enforced against configuration too."""

    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    limit = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Items per page: default 20, maximum 100"},
    )
