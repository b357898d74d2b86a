"""Idempotency records: one per (institution, caller, method, path, key), kept 24 h."""

from educatenext.repository import TenantRepository


class IdempotencyRepository(TenantRepository):
    """Stored outcomes of keyed requests."""

    collection_name = "idempotency_keys"

    def get_by_key(self, record_id):
        """The record for a hashed key (string _id), or None."""
        return self.find_one({"_id": record_id})

    def complete(self, record_id, status, body, headers):
        """Store the response a replay will return."""
        self.collection.update_one(
            self.scoped({"_id": record_id}),
            {"$set": {"state": "done", "status": status, "body": body, "headers": headers}},
        )

    def forget(self, record_id):
        """Drop an in-progress record after a failure, so the client can retry."""
        self.collection.delete_one(self.scoped({"_id": record_id, "state": "in_progress"}))
