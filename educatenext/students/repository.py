"""Students and their per-institution id counter."""

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from educatenext.platform.http.listing import name_prefix_range
from educatenext.platform.mongo.repository import TenantRepository

NAME_FIELDS = {"name": 1, "generatedId": 1}


class StudentRepository(TenantRepository):
    """Students of one institution."""

    collection_name = "students"

    def list_filter(self, row_scope, *, status=None, classroom_id=None, name_prefix=None):
        """Row scope first, then allow-listed filters, in the indexes' key order."""
        query = dict(row_scope)
        if status:
            query["status"] = status
        if classroom_id is not None:
            query["classroomId"] = classroom_id
        if name_prefix and (bounds := name_prefix_range(name_prefix)):
            query["nameLower"] = bounds
        return query

    def names_by_id(self, student_ids):
        """{id: {name, generatedId}} for these students (one query on _id)."""
        ids = list(set(student_ids))
        if not ids:
            return {}
        found = self.find({"_id": {"$in": ids}}, projection=NAME_FIELDS)
        return {doc["_id"]: doc for doc in found}

    def names_in_classroom(self, classroom_id, student_ids):
        """{id: {name, generatedId}} for students on a classroom's sheet: its current students
        in one range read, then any others (moved since) by id.

        One range over the classroom costs less than a seek per id, and the sheet's students
        are nearly all current.
        """
        wanted = set(student_ids)
        if not wanted:
            return {}
        current = self.find({"classroomId": classroom_id}, projection=NAME_FIELDS)
        found = {doc["_id"]: doc for doc in current if doc["_id"] in wanted}
        return found | self.names_by_id(wanted - found.keys())


class CounterRepository(TenantRepository):
    """Atomic per-institution sequences (never count + 1)."""

    collection_name = "counters"
    emits_write_events = False  # bookkeeping, not a business event

    def next_value(self, name):
        """Increment and return the named sequence; the first call creates it."""
        key = f"{self.scope.institution_id}:{name}"
        for _ in range(2):  # two concurrent first upserts: the loser retries as an update
            try:
                counter = self.collection.find_one_and_update(
                    self.scoped({"_id": key}),
                    {"$inc": {"value": 1}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                    session=self.session,
                )
                return counter["value"]
            except DuplicateKeyError:
                continue
        raise RuntimeError(f"counter {name} could not be incremented")
