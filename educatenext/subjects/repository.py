"""Subjects collection access."""

from educatenext.listing import name_prefix_range
from educatenext.repository import TenantRepository


class SubjectRepository(TenantRepository):
    """Subjects of one institution."""

    collection_name = "subjects"

    def list_filter(self, *, status=None, name_prefix=None):
        """Filter in index order (status, nameLower) from allow-listed parameters."""
        query = {}
        if status:
            query["status"] = status
        if name_prefix and (bounds := name_prefix_range(name_prefix)):
            query["nameLower"] = bounds
        return query

    def missing_ids(self, ids):
        """Which of these ids are not subjects of this institution."""
        found = {
            doc["_id"] for doc in self.find({"_id": {"$in": list(ids)}}, projection={"_id": 1})
        }
        return [i for i in ids if i not in found]
