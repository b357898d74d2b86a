"""Sessions (refresh-token families), refresh tokens and login throttling, all in MongoDB."""

from datetime import timedelta

from pymongo import ReturnDocument

from educatenext.platform.mongo.repository import TenantRepository
from educatenext.platform.values import utcnow


class SessionRepository(TenantRepository):
    """One session per login: every refresh token of that login belongs to it (its family)."""

    collection_name = "sessions"
    emits_write_events = False  # bookkeeping, not a business event

    def revoke(self, filter_, reason):
        """Revoke the live sessions matching the filter; returns their ids."""
        live = {**filter_, "revokedAt": None}
        ids = [doc["_id"] for doc in self.find(live, projection={"_id": 1})]
        if ids:
            self.collection.update_many(
                self.scoped({"_id": {"$in": ids}, "revokedAt": None}),
                {"$set": {"revokedAt": utcnow(), "revokedReason": reason}},
                session=self.session,
            )
        return ids


class RefreshTokenRepository(TenantRepository):
    """Refresh tokens stored by SHA-256 hash; each can be spent once."""

    collection_name = "refresh_tokens"
    emits_write_events = False  # bookkeeping, not a business event

    def spend(self, token_hash):
        """Mark the token used and return it; None when unknown; the doc with usedAt if reused.

        A read, then an update_one that lands only while usedAt is unset (of two requests
        spending one token, exactly one matches): docs/decisions/0003.
        """
        record = self.find_one({"_id": token_hash})
        if record is None or record.get("usedAt") is not None:
            return record, record is not None
        now = utcnow()
        written = self.collection.update_one(
            self.scoped({"_id": token_hash, "usedAt": None}),
            {"$set": {"usedAt": now}},
            session=self.session,
        )
        if written.matched_count:
            return {**record, "usedAt": now}, False
        return self.find_one({"_id": token_hash}), True  # another request spent it first


class LoginThrottleRepository(TenantRepository):
    """Failed-login counters per email hash (known or not, so lockout reveals nothing)."""

    collection_name = "login_throttle"
    emits_write_events = False  # bookkeeping, not a business event

    def record_failure(self, key, threshold, base_seconds, max_seconds):
        """Count a failure; lock with exponential backoff from the threshold on."""
        now = utcnow()
        doc = self.collection.find_one_and_update(
            self.scoped({"_id": key}),
            {
                "$inc": {"failures": 1},
                "$set": {"lastFailureAt": now, "expiresAt": now + timedelta(days=1)},
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )
        excess = doc["failures"] - threshold
        if excess >= 0:
            seconds = min(max_seconds, base_seconds * 2 ** min(excess, 20))
            self.collection.update_one(
                self.scoped({"_id": key}),
                {"$set": {"lockedUntil": now + timedelta(seconds=seconds)}},
                session=self.session,
            )
        return doc["failures"]

    def clear(self, key):
        """Forget failures after a successful login."""
        self.collection.delete_one(self.scoped({"_id": key}), session=self.session)
