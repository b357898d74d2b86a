"""Auth payloads (the web and mobile clients' shapes)."""

from marshmallow import ValidationError, fields, validate, validates_schema

from educatenext.auth.passwords import MAX_LENGTH
from educatenext.extensions import StrictSchema
from educatenext.users.schemas import NAME, EmailField, UserSchema

PASSWORD = validate.Length(min=1, max=MAX_LENGTH)


class LoginSchema(StrictSchema):
    """{email, password}."""

    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, load_only=True, validate=PASSWORD)


class PublicUserSchema(StrictSchema):
    """What clients store after login."""

    id = fields.String()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    institutionId = fields.String(allow_none=True)


class TokenSchema(StrictSchema):
    """Login/refresh/register answer: token and accessToken carry the same JWT.

    For a user with MFA, login answers only mfaRequired and mfaToken (for POST /auth/mfa);
    for one a policy requires MFA of who has not set it up, mfaEnrolmentRequired, and token
    and accessToken then reach only the MFA set-up endpoints (no refresh token).
    """

    message = fields.String()
    token = fields.String()
    accessToken = fields.String()
    refreshToken = fields.String()
    user = fields.Nested(PublicUserSchema)
    mfaRequired = fields.Boolean()
    mfaToken = fields.String()
    mfaEnrolmentRequired = fields.Boolean()


class RefreshSchema(StrictSchema):
    """{refreshToken}."""

    refreshToken = fields.String(required=True, validate=validate.Length(min=16, max=200))


class ChangePasswordSchema(StrictSchema):
    """{currentPassword, newPassword}."""

    currentPassword = fields.String(required=True, load_only=True, validate=PASSWORD)
    newPassword = fields.String(required=True, load_only=True, validate=PASSWORD)


class RegisterSchema(StrictSchema):
    """The web client's register call, plus the invitation token that policy requires."""

    name = fields.String(required=True, validate=NAME)
    email = EmailField(required=True)
    password = fields.String(required=True, load_only=True, validate=PASSWORD)
    confirmPassword = fields.String(load_only=True, validate=PASSWORD)
    role = fields.String(
        validate=validate.Length(max=40),
        metadata={"description": "Ignored: the role comes from the invitation"},
    )
    invitationToken = fields.String(validate=validate.Length(min=16, max=200))

    @validates_schema
    def passwords_match(self, data, **kwargs):
        """confirmPassword, when sent, must equal password."""
        if "confirmPassword" in data and data["confirmPassword"] != data.get("password"):
            raise ValidationError("Passwords do not match.", field_name="confirmPassword")


class MeSchema(StrictSchema):
    """{user}."""

    user = fields.Nested(UserSchema)
