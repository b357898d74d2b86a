"""The erasure log: which students were erased, when and by whom (ids only, no personal data)."""

from educatenext.platform.mongo.repository import TenantRepository


class ErasureRepository(TenantRepository):
    """One entry per erased student; a restore replays them (docs/privacy.md)."""

    collection_name = "erasures"
    emits_write_events = False  # the erasure's own audit event records it

    def record(self, student_id, actor_id, at):
        """Log an erasure once (a replay or a second request leaves the first entry)."""
        self.upsert_summary(
            {"studentId": student_id},
            {"$setOnInsert": {"actorId": actor_id, "at": at}},
        )

    def logged(self):
        """Every erasure of this scope, oldest first (a platform scope: every school's)."""
        return self.find({}, sort=[("at", 1), ("_id", 1)])
