"""Classrooms collection access."""

import secrets

from educatenext.platform.http.listing import name_prefix_range
from educatenext.platform.mongo.repository import TenantRepository, TenantScope


class ClassroomRepository(TenantRepository):
    """Classrooms of one institution."""

    collection_name = "classrooms"

    def insert(self, document):
        """Insert a classroom, keeping the school's active set in step (same session)."""
        classroom = super().insert(document)
        self._keep_active_set(classroom)
        return classroom

    def update(self, document_id, changes, *, extra_filter=None):
        """Update a classroom, keeping the school's active set in step (same session)."""
        classroom = super().update(document_id, changes, extra_filter=extra_filter)
        if classroom is not None:
            self._keep_active_set(classroom)
        return classroom

    def _keep_active_set(self, classroom):
        # The classroom's own school, whatever scope wrote it: the set is one per school.
        school = TenantScope.of(classroom["institutionId"])
        active = ActiveClassroomsRepository(school, session=self.session)
        if classroom.get("status") == "active":
            active.add(classroom["_id"])
        else:
            active.remove(classroom["_id"])

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
        """Reserve seats (in the caller's transaction); None if they do not fit or no active room.

        A read, then an update that lands only on the classroom as read (decision 0003): plain
        fields keep it an _id seek where a $expr filter is a collection scan on
        secantusdb (decision 0004). Of two transactions taking the last seat, the second conflicts
        and is retried on the count the first left.
        """
        current = self.get(classroom_id)
        if current is None or current.get("status") != "active":
            return None
        taken = current.get("enrolledCount", 0)
        if taken + seats > current["capacity"]:
            return None
        as_read = {
            "_id": classroom_id,
            "status": "active",
            "capacity": current["capacity"],
            "enrolledCount": current.get("enrolledCount"),
        }  # None matches a missing count
        written = self.collection.update_one(
            self.scoped(as_read), {"$inc": {"enrolledCount": seats}}, session=self.session
        )
        if not written.matched_count:
            return None
        return {**current, "enrolledCount": taken + seats}

    def free_seat(self, classroom_id):
        """Give a seat back."""
        self.collection.update_one(
            self.scoped({"_id": classroom_id, "enrolledCount": {"$gt": 0}}),
            {"$inc": {"enrolledCount": -1}},
            session=self.session,
        )

    def names_of(self, ids):
        """{id: name} for these classrooms in one query (index institutionId+_id)."""
        return {
            doc["_id"]: doc["name"]
            for doc in self.find({"_id": {"$in": list(ids)}}, projection={"name": 1})
        }


class ActiveClassroomsRepository(TenantRepository):
    """The ids of a school's active classrooms: one document to read.

    Kept by ClassroomRepository's writes (the only way classrooms change, inside the
    classroom write's transaction). Attendance completion reads it and then only the
    classrooms still missing attendance, instead of every classroom of the school.
    """

    collection_name = "active_classrooms"
    emits_write_events = False  # bookkeeping, not a business event
    # Derived from the classrooms: what read it goes stale with them (every classroom write
    # replaces the classrooms token), so its own writes need no token or audit event.
    cache_dependency = "classrooms"

    def add(self, classroom_id):
        """Count a classroom as active (a no-op on the set when it is already)."""
        self.add_to_set({}, "classroomIds", classroom_id)
        self._versions().replace()

    def remove(self, classroom_id):
        """Stop counting a classroom as active (archived)."""
        self.collection.update_one(
            self.scoped({}), {"$pull": {"classroomIds": classroom_id}}, session=self.session
        )
        self._versions().replace()

    def ids(self):
        """Ids of the school's active classrooms."""
        document = self.find_one({})  # no projection: see AttendanceDayRepository.classrooms_taken
        return set(document["classroomIds"]) if document else set()

    def version(self):
        """A token that changes with every change to the set (read before the set itself)."""
        return self._versions().current()

    def _versions(self):
        return ActiveClassroomsVersionRepository(self.scope, session=self.session)


class ActiveClassroomsVersionRepository(TenantRepository):
    """A school's active-classrooms version: a random token replaced after every set change.

    A small document of its own, so that checking it does not read the set (2,500 ids at
    10xS). A token rather than a counter: a dropped or rebuilt collection never brings back
    a version that something remembered (attendance completion remembers its answer per
    version).
    """

    collection_name = "active_classroom_versions"
    emits_write_events = False  # bookkeeping, not a business event
    cache_dependency = "classrooms"  # derived, like the set (see ActiveClassroomsRepository)

    def replace(self):
        """A new version; called after the set changed (same session)."""
        self.upsert_summary({}, {"$set": {"version": new_version()}})

    def current(self):
        """The school's version, creating the first one."""
        document = self.find_one({})
        if document is None:
            self.upsert_summary({}, {"$setOnInsert": {"version": new_version()}})
            document = self.find_one({})
        return document["version"]


def new_version():
    """A version no earlier set can have had."""
    return secrets.token_hex(8)
