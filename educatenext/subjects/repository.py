"""Subjects collection access."""

from educatenext.platform.mongo.repository import TenantRepository


class SubjectRepository(TenantRepository):
    """Subjects of one institution."""

    collection_name = "subjects"

    def missing_ids(self, ids):
        """Which of these ids are not subjects of this institution."""
        found = {
            doc["_id"] for doc in self.find({"_id": {"$in": list(ids)}}, projection={"_id": 1})
        }
        return [i for i in ids if i not in found]
