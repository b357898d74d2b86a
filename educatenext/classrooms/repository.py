"""Classrooms collection access."""

from pymongo import ReturnDocument

from educatenext.listing import name_prefix_range
from educatenext.repository import TenantRepository


class ClassroomRepository(TenantRepository):
    """Classrooms of one institution."""

    collection_name = "classrooms"

    def list_filter(
        self, *, teacher_user_id=None, academic_year=None, status=None, name_prefix=None
    ):
        """Filter in index order from allow-listed parameters and the caller's row scope."""
        query = {}
        if teacher_user_id is not None:
            query["teacherUserIds"] = teacher_user_id
        if academic_year:
            query["academicYear"] = academic_year
        if status:
            query["status"] = status
        if name_prefix and (bounds := name_prefix_range(name_prefix)):
            query["nameLower"] = bounds
        return query

    def take_seat(self, classroom_id, seats=1):
        """Reserve seats atomically; None when they do not fit, or archived/unknown classroom."""
        fits = {"$lte": [{"$add": ["$enrolledCount", seats]}, "$capacity"]}
        return self.collection.find_one_and_update(
            self.scoped({"_id": classroom_id, "status": "active", "$expr": fits}),
            {"$inc": {"enrolledCount": seats}},
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )

    def free_seat(self, classroom_id):
        """Give a seat back."""
        self.collection.update_one(
            self.scoped({"_id": classroom_id, "enrolledCount": {"$gt": 0}}),
            {"$inc": {"enrolledCount": -1}},
            session=self.session,
        )

    def names_by_id(self, classroom_ids):
        """{id: name} for these classrooms (one query, index institutionId+_id)."""
        ids = list({i for i in classroom_ids if i is not None})
        if not ids:
            return {}
        return {
            doc["_id"]: doc["name"]
            for doc in self.find({"_id": {"$in": ids}}, projection={"name": 1})
        }
