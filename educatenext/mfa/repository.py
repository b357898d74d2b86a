"""TOTP factors (one per user, secret encrypted) and the spent second-step tokens."""

from pymongo.errors import DuplicateKeyError

from educatenext.platform.mongo.repository import TenantRepository
from educatenext.platform.values import utcnow

PENDING = "pending"
ACTIVE = "active"


class MfaFactorRepository(TenantRepository):
    """A user's authenticator: pending until its first code confirms it, then active."""

    collection_name = "mfa_factors"
    # Security bookkeeping: its changes are recorded as security events, which never carry
    # the ciphertext or code hashes that a write event's changed fields would.
    emits_write_events = False

    def for_user(self, user_id):
        """The user's factor (pending or active), or None."""
        return self.find_one({"_id": user_id})

    def is_active(self, user_id):
        """Whether the user has a confirmed authenticator."""
        return self.find_one({"_id": user_id, "status": ACTIVE}, projection={"_id": 1}) is not None

    def start_enrolment(self, user, sealed_secret):
        """A new pending factor, replacing a pending one; None when an active one exists."""
        now = utcnow()
        pending = {
            "institutionId": user.get("institutionId"),
            "status": PENDING,
            "secret": sealed_secret,
            "lastUsedStep": 0,
            "recoveryCodeHashes": [],
            "createdAt": now,
            "updatedAt": now,
        }
        written = self.collection.update_one(
            self.scoped({"_id": user["_id"], "status": PENDING}),
            {"$set": pending},
            session=self.session,
        )
        if written.matched_count:
            return {"_id": user["_id"], **pending}
        try:
            self.collection.insert_one({"_id": user["_id"], **pending}, session=self.session)
        except DuplicateKeyError:
            return None  # an active factor holds the user's _id
        return {"_id": user["_id"], **pending}

    def activate(self, user_id, sealed_secret, step, recovery_code_hashes):
        """Turn the pending factor with this secret active, spending the confirming step."""
        now = utcnow()
        written = self.collection.update_one(
            self.scoped({"_id": user_id, "status": PENDING, "secret": sealed_secret,
                         "lastUsedStep": {"$lt": step}}),
            {"$set": {"status": ACTIVE, "lastUsedStep": step, "enabledAt": now,
                      "updatedAt": now, "recoveryCodeHashes": recovery_code_hashes}},
            session=self.session,
        )  # fmt: skip
        return written.matched_count == 1

    def spend_step(self, user_id, step):
        """Record a time step as used; False when it, or a later one, was used already."""
        written = self.collection.update_one(
            self.scoped({"_id": user_id, "status": ACTIVE, "lastUsedStep": {"$lt": step}}),
            {"$set": {"lastUsedStep": step, "lastUsedAt": utcnow()}},
            session=self.session,
        )
        return written.matched_count == 1

    def spend_recovery_code(self, user_id, code_hash):
        """Remove one unused recovery code; False when it is not (or no longer) there."""
        written = self.collection.update_one(
            self.scoped({"_id": user_id, "status": ACTIVE, "recoveryCodeHashes": code_hash}),
            {"$pull": {"recoveryCodeHashes": code_hash}, "$set": {"lastUsedAt": utcnow()}},
            session=self.session,
        )
        return written.matched_count == 1

    def replace_recovery_codes(self, user_id, recovery_code_hashes):
        """A fresh set of recovery codes for an active factor."""
        written = self.collection.update_one(
            self.scoped({"_id": user_id, "status": ACTIVE}),
            {"$set": {"recoveryCodeHashes": recovery_code_hashes, "updatedAt": utcnow()}},
            session=self.session,
        )
        return written.matched_count == 1

    def remove(self, user_id):
        """Delete the user's factor (disable or reset); True when there was one."""
        deleted = self.collection.delete_one(self.scoped({"_id": user_id}), session=self.session)
        return deleted.deleted_count == 1


class SpentMfaTokenRepository(TenantRepository):
    """The ids of second-step tokens already exchanged for a session (each works once)."""

    collection_name = "mfa_spent_tokens"
    emits_write_events = False  # bookkeeping, not a business event

    def was_spent(self, token_id):
        """Whether the token has been exchanged already."""
        return self.find_one({"_id": token_id}, projection={"_id": 1}) is not None

    def spend(self, token_id, institution_id, expires_at):
        """Record the token as used; False when it had been used already."""
        try:
            self.collection.insert_one(
                {"_id": token_id, "institutionId": institution_id, "expiresAt": expires_at},
                session=self.session,
            )
        except DuplicateKeyError:
            return False
        return True
