"""Idempotency records: one per (institution, caller, method, path, key), kept 24 h."""

import re

from educatenext.platform.mongo.repository import TenantRepository


class IdempotencyRepository(TenantRepository):
    """Stored outcomes of keyed requests."""

    collection_name = "idempotency_keys"
    emits_write_events = False  # bookkeeping, not a business event

    def get_by_key(self, record_id):
        """The record for a hashed key (string _id), or None."""
        return self.find_one({"_id": record_id})

    def take_over(self, record_id, stale_owner, owner, lease_until, now):
        """Claim an in-progress record whose owner's lease ran out; True if this call won."""
        claimed = self.collection.update_one(
            self.scoped(
                {
                    "_id": record_id,
                    "state": "in_progress",
                    "owner": stale_owner,
                    "leaseUntil": {"$lt": now},
                }
            ),
            {"$set": {"owner": owner, "leaseUntil": lease_until}},
        )
        return claimed.matched_count == 1

    def complete(self, record_id, owner, status, body, headers):
        """Store the response a replay will return (only while this attempt owns the record)."""
        self.collection.update_one(
            self.scoped({"_id": record_id, "owner": owner}),
            {"$set": {"state": "done", "status": status, "body": body, "headers": headers}},
        )

    def forget(self, record_id, owner):
        """Drop an in-progress record after a failure, so the client can retry."""
        self.collection.delete_one(
            self.scoped({"_id": record_id, "state": "in_progress", "owner": owner})
        )

    def replace_bodies_naming(self, text, body):
        """Replace every stored response that contains text (an erasure); returns how many.

        A scan of the school's records, which expire within a day: erasures are rare.
        """
        written = self.collection.update_many(
            self.scoped({"body": {"$regex": re.escape(text)}}), {"$set": {"body": body}}
        )
        return written.modified_count
