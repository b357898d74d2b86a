"""Payloads of the erasure endpoint (the export answers a file, not a schema)."""

from marshmallow import fields, validate

from educatenext.extensions import StrictSchema
from educatenext.platform.http.schemas import ObjectIdField, UTCDateTime


class ErasureRequestSchema(StrictSchema):
    """A reason, always; the confirmation token from the first step to erase."""

    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))
    confirmationToken = fields.String(validate=validate.Length(min=20, max=2000))


class ErasureConfirmationSchema(StrictSchema):
    """Step one's answer: send the request again with this token (valid ten minutes)."""

    confirmationToken = fields.String()
    expiresInSeconds = fields.Integer()
    studentId = ObjectIdField()
    alreadyErased = fields.Boolean()


class ErasureResultSchema(StrictSchema):
    """What the erasure changed, per collection."""

    studentId = ObjectIdField()
    erasedAt = UTCDateTime()
    erased = fields.Dict(keys=fields.String(), values=fields.Integer())
