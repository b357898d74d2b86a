"""Institution payloads."""

from marshmallow import fields, validate

from educatenext.auth.roles import ADMIN, CASHIER, FINANCE, TEACHER
from educatenext.extensions import QuerySchema, StrictSchema
from educatenext.fees.money import DEFAULT_CURRENCY, MINOR_UNITS
from educatenext.platform.http.schemas import PaginationQuerySchema, ResourceSchema
from educatenext.users.schemas import NAME, EmailField, UserSchema

STATUSES = ("active", "inactive")
# Staff roles an institution can require two-factor authentication of.
MFA_POLICY_ROLES = (ADMIN, FINANCE, CASHIER, TEACHER)


def mfa_roles_field(**kwargs):
    """The roles whose users must sign in with a second factor."""
    return fields.List(
        fields.String(validate=validate.OneOf(MFA_POLICY_ROLES)),
        validate=validate.Length(max=len(MFA_POLICY_ROLES)),
        metadata={"example": ["admin", "finance"]},
        **kwargs,
    )


def currency_field(**kwargs):
    """An ISO 4217 code of a currency the platform bills in."""
    return fields.String(
        validate=validate.OneOf(sorted(MINOR_UNITS)), metadata={"example": "USD"}, **kwargs
    )


CODE = validate.Regexp(
    r"^[a-z0-9][a-z0-9-]{1,39}$", error="2-40 lowercase letters, digits, dashes."
)
DOMAIN = validate.Regexp(
    r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    error="Not a valid domain.",
)


class FirstAdminSchema(StrictSchema):
    """The institution's first admin, created together with it."""

    name = fields.String(required=True, validate=NAME)
    email = EmailField(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))


class InstitutionCreateSchema(StrictSchema):
    """A super-admin registers a school."""

    name = fields.String(required=True, validate=validate.Length(min=2, max=160))
    code = fields.String(required=True, validate=CODE)
    domain = fields.String(validate=DOMAIN)
    contactEmail = EmailField()
    address = fields.String(validate=validate.Length(max=300))
    timezone = fields.String(validate=validate.Length(max=64))
    currency = currency_field(load_default=DEFAULT_CURRENCY)
    admin = fields.Nested(FirstAdminSchema)


class InstitutionUpdateSchema(StrictSchema):
    """Editable fields (status only by a super-admin: the service enforces it)."""

    name = fields.String(validate=validate.Length(min=2, max=160))
    domain = fields.String(validate=DOMAIN, allow_none=True)
    contactEmail = EmailField(allow_none=True)
    address = fields.String(validate=validate.Length(max=300), allow_none=True)
    timezone = fields.String(validate=validate.Length(max=64))
    currency = currency_field()
    status = fields.String(validate=validate.OneOf(STATUSES))
    mfaRequiredRoles = mfa_roles_field()


class InstitutionSchema(ResourceSchema):
    """An institution."""

    name = fields.String()
    code = fields.String()
    domain = fields.String()
    contactEmail = fields.String()
    address = fields.String()
    timezone = fields.String()
    currency = fields.String(metadata={"example": "USD"})
    status = fields.String()
    mfaRequiredRoles = mfa_roles_field(dump_default=[])


class InstitutionEnvelopeSchema(StrictSchema):
    """{message, institution, admin?}."""

    message = fields.String()
    institution = fields.Nested(InstitutionSchema)
    admin = fields.Nested(UserSchema)


class InstitutionQuerySchema(PaginationQuerySchema, QuerySchema):
    """Allow-listed filters for GET /institutions."""

    status = fields.String(validate=validate.OneOf(STATUSES))
