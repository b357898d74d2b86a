"""Schemas shared by every resource: the error envelope and pagination arguments."""

from datetime import UTC

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from educatenext.platform.http.dumping import NullDroppingSchema
from educatenext.platform.http.errors import ERROR_CODES
from educatenext.platform.values import parse_object_id

# A short machine code a school chooses (fee heads, fee categories): safe as a document key.
SNAKE_CODE = validate.Regexp(r"^[a-z][a-z0-9_]{0,29}$", error="1-30 of a-z, 0-9, _.")


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
    requestId = fields.String(required=True, metadata={"description": "Echoes X-Request-ID"})
    details = fields.Raw(metadata={"description": "Per-field problems or dependency states"})


class PaginationQuerySchema(Schema):
    """page (1-based) and limit; the maximum is enforced against configuration too."""

    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    limit = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=100),
        metadata={
            "description": "Items per page: default 20, maximum 100. The unversioned /api "
            "alias without page or limit answers the whole list, up to LEGACY_LIST_CAP (5000)."
        },
    )


class ResponseSchema(NullDroppingSchema):
    """Response schemas drop anything not declared (never leak stored fields), and leave out
    nulls of fields not documented as nullable, so every answer matches the spec."""

    class Meta:
        unknown = EXCLUDE


class ObjectIdField(fields.Field):
    """An ObjectId in the database, a 24-hex string on the wire."""

    default_error_messages = {"invalid": "Not a valid id."}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        object_id = parse_object_id(value) if isinstance(value, str) else None
        if object_id is None:
            raise self.make_error("invalid")
        return object_id


class UTCDateTime(fields.DateTime):
    """ISO 8601 in UTC with a Z suffix, as the clients expect."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ResourceSchema(ResponseSchema):
    """Base of every resource representation: the id as a string in both id and _id."""

    id = fields.Function(lambda doc: str(doc["_id"]), dump_only=True)
    _id = fields.Function(lambda doc: str(doc["_id"]), dump_only=True, data_key="_id")
    createdAt = UTCDateTime(dump_only=True)
    updatedAt = UTCDateTime(dump_only=True)


class MessageSchema(Schema):
    """A bare confirmation."""

    message = fields.String()
