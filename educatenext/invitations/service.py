"""Invitation rules: single-use, expiring, issued by an institution's admin."""

from datetime import timedelta

from flask import current_app

from educatenext.accounts import links
from educatenext.auth.tokens import hash_token, new_opaque_token
from educatenext.invitations.repository import InvitationRepository
from educatenext.platform.http.errors import APIError, not_found
from educatenext.platform.mongo.repository import TenantScope
from educatenext.platform.values import utcnow


def invite(identity, payload):
    """Store an invitation by token hash; return it and the one-time token.

    Its links are checked now, so the admin hears of a wrong record at once; registering
    checks them again, as the record may have been linked to another account since.
    """
    student_id, children = links.account_links(payload["role"], payload)
    links.check_account_links(identity.scope, None, student_id, children)
    token = new_opaque_token()
    ttl = timedelta(seconds=current_app.config["INVITATION_TTL_SECONDS"])
    invitation = InvitationRepository(identity.scope).insert(
        {
            **payload,
            "tokenHash": hash_token(token),
            "invitedBy": identity.user_id,
            "expiresAt": utcnow() + ttl,
            "usedAt": None,
            "revokedAt": None,
        }
    )
    return invitation, token


def list_invitations(identity, page, limit):
    """(invitations, total) of the caller's institution, newest first."""
    return InvitationRepository(identity.scope).page(
        sort=[("createdAt", -1), ("_id", -1)], page=page, limit=limit
    )


def revoke(identity, invitation_id):
    """Revoke an unused invitation."""
    repository = InvitationRepository(identity.scope)
    invitation = repository.get(invitation_id)
    if invitation is None:
        raise not_found("Invitation")
    if invitation.get("usedAt") is not None:
        raise APIError(409, "CONFLICT", "This invitation was already used.")
    return repository.update(invitation["_id"], {"revokedAt": utcnow()})


def redeem(token, email, session=None):
    """The live invitation for this token and email, now marked used; 403 otherwise."""
    invitation = InvitationRepository(TenantScope.platform_wide(), session=session).redeem(
        hash_token(token), email
    )
    if invitation is None:
        raise APIError(403, "INVITATION_INVALID")
    return invitation
