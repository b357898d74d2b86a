"""/api/v1/invitations: admins invite people to register."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.roles import ADMIN
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.invitations import service
from educatenext.invitations.schemas import (
    InvitationCreatedSchema,
    InvitationCreateSchema,
    InvitationEnvelopeSchema,
    InvitationQuerySchema,
    InvitationSchema,
)
from educatenext.platform.http.pagination import page_window, pagination_headers

blp = Blueprint("invitations", __name__, url_prefix="/invitations", description="Invitations")


@blp.route("")
class InvitationList(MethodView):
    """Invitation collection."""

    @allow(ADMIN)
    @blp.arguments(InvitationQuerySchema, location="query")
    @blp.response(200, InvitationSchema(many=True))
    def get(self, args):
        """List the institution's invitations."""
        page, limit = page_window(args)
        items, total = service.list_invitations(current_identity(), page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(ADMIN)
    @idempotent
    @blp.arguments(InvitationCreateSchema)
    @blp.response(201, InvitationCreatedSchema)
    def post(self, payload):
        """Invite someone; the token in the answer is shown only once."""
        invitation, token = service.invite(current_identity(), payload)
        return {"message": "Invitation created.", "invitation": invitation, "token": token}


@blp.route("/<invitation_id>")
class InvitationDetail(MethodView):
    """One invitation."""

    @allow(ADMIN)
    @blp.response(200, InvitationEnvelopeSchema)
    def delete(self, invitation_id):
        """Revoke an unused invitation."""
        invitation = service.revoke(current_identity(), invitation_id)
        return {"message": "Invitation revoked.", "invitation": invitation}
