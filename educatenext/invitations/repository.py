"""Invitations: single-use, expiring, stored by token hash."""

from pymongo import ReturnDocument

from educatenext.platform.mongo.repository import TenantRepository
from educatenext.platform.values import utcnow


class InvitationRepository(TenantRepository):
    """Invitations issued by an institution's admins."""

    collection_name = "invitations"

    def redeem(self, token_hash, email):
        """Atomically mark a live invitation for this email used; None if there is none."""
        now = utcnow()
        return self.collection.find_one_and_update(
            self.scoped(
                {
                    "tokenHash": token_hash,
                    "email": email,
                    "usedAt": None,
                    "revokedAt": None,
                    "expiresAt": {"$gt": now},
                }
            ),
            {"$set": {"usedAt": now}},
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )
