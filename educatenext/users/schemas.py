"""User payloads. Protected fields (institutionId, _id, passwordHash) are never accepted."""

from marshmallow import ValidationError, fields, validate

from educatenext.auth.passwords import MAX_LENGTH
from educatenext.auth.roles import INSTITUTION_ROLES, canonical_role
from educatenext.extensions import StrictSchema
from educatenext.platform.http.listing import ListQuerySchema, sort_field
from educatenext.platform.http.schemas import (
    ObjectIdField,
    ResourceSchema,
    UTCDateTime,
)

STATUSES = ("active", "inactive")
NAME = validate.Length(min=1, max=120)


class RoleField(fields.String):
    """A role; legacy Title-case names are accepted and mapped to the canonical ones."""

    def __init__(self, allowed=INSTITUTION_ROLES, **kwargs):
        super().__init__(metadata={"enum": list(allowed)}, **kwargs)
        self.allowed = allowed

    def _deserialize(self, value, attr, data, **kwargs):
        role = canonical_role(super()._deserialize(value, attr, data, **kwargs))
        if role not in self.allowed:
            raise ValidationError(f"Must be one of: {', '.join(self.allowed)}.")
        return role


class EmailField(fields.Email):
    """An email address, stored lowercased."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(max=254), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


class UserLinksMixin(StrictSchema):
    """Row-level links: a student's record, a parent's children, a teacher's classrooms."""

    studentId = ObjectIdField(allow_none=True)
    childStudentIds = fields.List(ObjectIdField(), validate=validate.Length(max=20))
    classroomIds = fields.List(ObjectIdField(), validate=validate.Length(max=50))


class UserCreateSchema(UserLinksMixin):
    """An admin creates a user of their institution."""

    name = fields.String(required=True, validate=NAME)
    email = EmailField(required=True)
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=MAX_LENGTH)
    )
    role = RoleField(required=True)


class UserUpdateSchema(UserLinksMixin):
    """Fields an admin may change."""

    name = fields.String(validate=NAME)
    email = EmailField()
    role = RoleField()
    status = fields.String(validate=validate.OneOf(STATUSES))


class UserSchema(ResourceSchema):
    """A user as the API shows it (never the password hash)."""

    name = fields.String()
    email = fields.String()
    role = fields.Function(lambda user: canonical_role(user.get("role")))
    status = fields.String()
    institutionId = ObjectIdField()
    studentId = ObjectIdField()
    childStudentIds = fields.List(ObjectIdField())
    classroomIds = fields.List(ObjectIdField())
    lastLoginAt = UTCDateTime()


class UserEnvelopeSchema(StrictSchema):
    """{message, user} for creates and updates."""

    message = fields.String()
    user = fields.Nested(UserSchema)


class UserQuerySchema(ListQuerySchema):
    """Allow-listed filters and sorts for GET /users."""

    role = RoleField()
    status = fields.String(validate=validate.OneOf(STATUSES))
    sort = sort_field("name", "createdAt")
