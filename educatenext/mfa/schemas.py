"""MFA payloads."""

from marshmallow import fields, validate

from educatenext.auth.schemas import PublicUserSchema
from educatenext.extensions import StrictSchema


def code_field():
    """A six-digit authenticator code or a recovery code (xxxx-xxxx-xxxx-xxxx)."""
    return fields.String(required=True, validate=validate.Length(min=6, max=32),
                         metadata={"example": "492039"})  # fmt: skip


class CodeSchema(StrictSchema):
    """{code}: an authenticator code, or (where accepted) a recovery code."""

    code = code_field()


class MfaLoginSchema(StrictSchema):
    """{mfaToken, code}: the second login step."""

    mfaToken = fields.String(required=True, validate=validate.Length(min=16, max=2000))
    code = code_field()


class MfaStatusSchema(StrictSchema):
    """The caller's MFA state."""

    enabled = fields.Boolean()
    pending = fields.Boolean()
    recoveryCodesRemaining = fields.Integer()
    requiredByPolicy = fields.Boolean()


class EnrolmentSchema(StrictSchema):
    """A new authenticator secret: shown once, confirmed by its first code."""

    secret = fields.String(metadata={"description": "Base32, for manual entry"})
    otpauthUri = fields.String(metadata={"example": "otpauth://totp/EducateNext:a%40b.org?..."})
    qrCode = fields.String(metadata={"description": "data:image/png;base64 of otpauthUri"})


class RecoveryCodesSchema(StrictSchema):
    """Recovery codes (shown once) and, after an enrolment-only login, the login tokens."""

    message = fields.String()
    recoveryCodes = fields.List(fields.String())
    token = fields.String()
    accessToken = fields.String()
    refreshToken = fields.String()
    user = fields.Nested(PublicUserSchema)
