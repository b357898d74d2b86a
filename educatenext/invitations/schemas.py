"""Invitation payloads."""

from marshmallow import fields

from educatenext.extensions import StrictSchema
from educatenext.platform.http.schemas import (
    ObjectIdField,
    PaginationQuerySchema,
    ResourceSchema,
    UTCDateTime,
)
from educatenext.users.schemas import NAME, EmailField, RoleField, UserLinksMixin


class InvitationCreateSchema(UserLinksMixin):
    """An admin invites someone to register with a given role."""

    email = EmailField(required=True)
    role = RoleField(required=True)
    name = fields.String(validate=NAME)


class InvitationSchema(ResourceSchema):
    """An invitation (never its token, which is shown once at creation)."""

    email = fields.String()
    role = fields.String()
    name = fields.String()
    institutionId = ObjectIdField()
    invitedBy = ObjectIdField()
    expiresAt = UTCDateTime()
    usedAt = UTCDateTime()
    revokedAt = UTCDateTime()


class InvitationCreatedSchema(StrictSchema):
    """{message, invitation, token}: the token goes to the invitee, it is not stored."""

    message = fields.String()
    invitation = fields.Nested(InvitationSchema)
    token = fields.String()


class InvitationEnvelopeSchema(StrictSchema):
    """{message, invitation}."""

    message = fields.String()
    invitation = fields.Nested(InvitationSchema)


class InvitationQuerySchema(PaginationQuerySchema):
    """Pagination only."""
