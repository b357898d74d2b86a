"""User payloads. Protected fields (institutionId, _id, passwordHash) are never accepted."""

from marshmallow import ValidationError, fields, post_load, validate, validates

from educatenext.auth.passwords import MAX_LENGTH
from educatenext.auth.roles import INSTITUTION_ROLES, canonical_role
from educatenext.extensions import QuerySchema, StrictSchema
from educatenext.schemas_common import (
    ObjectIdField,
    PaginationQuerySchema,
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

    studentId = ObjectIdField(allow_none=True)  # noqa: N815
    childStudentIds = fields.List(ObjectIdField(), validate=validate.Length(max=20))  # noqa: N815
    classroomIds = fields.List(ObjectIdField(), validate=validate.Length(max=50))  # noqa: N815


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
    institutionId = ObjectIdField()  # noqa: N815
    studentId = ObjectIdField()  # noqa: N815
    childStudentIds = fields.List(ObjectIdField())  # noqa: N815
    classroomIds = fields.List(ObjectIdField())  # noqa: N815
    lastLoginAt = UTCDateTime()  # noqa: N815


class UserEnvelopeSchema(StrictSchema):
    """{message, user} for creates and updates."""

    message = fields.String()
    user = fields.Nested(UserSchema)


class UserQuerySchema(PaginationQuerySchema, QuerySchema):
    """Allow-listed filters and sorts for GET /users."""

    role = RoleField()
    status = fields.String(validate=validate.OneOf(STATUSES))
    q = fields.String(
        validate=validate.Length(min=1, max=50), metadata={"description": "Name prefix"}
    )
    sort = fields.String(
        load_default="name",
        validate=validate.OneOf(["name", "-name", "createdAt", "-createdAt"]),
    )

    @validates("q")
    def no_control_characters(self, value, **kwargs):
        """Search text is plain text."""
        if any(ord(char) < 32 for char in value):
            raise ValidationError("Must not contain control characters.")

    @post_load
    def to_sort_spec(self, data, **kwargs):
        """Turn 'name' / '-name' into a pymongo sort (with _id as the tie-breaker)."""
        key = data.pop("sort")
        direction = -1 if key.startswith("-") else 1
        data["sort_spec"] = [(key.lstrip("-"), direction), ("_id", direction)]
        return data
