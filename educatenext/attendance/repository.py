"""Attendance records (one per student, classroom and day) and attendance sessions."""

from pymongo import DeleteMany, InsertOne, UpdateOne
from pymongo.errors import BulkWriteError

from educatenext.platform.mongo.repository import TenantRepository, bulk_budget
from educatenext.platform.values import utcnow

DUPLICATE_KEY = 11000


class AttendanceRepository(TenantRepository):
    """Attendance records of one institution."""

    collection_name = "attendance"
    # A roster or a mark touches one classroom: other classrooms' cached sheets stay valid.
    partition_field = "classroomId"

    def mark(self, key, fields, existing):
        """Write one record (see put): (record, previous or None); a new one marks the day taken.

        existing: the record as just read (None: none yet). With that read, two round trips.
        """
        record, previous = self.put(key, fields, existing)
        if previous is None:
            AttendanceDayRepository(self.scope, self.session).record_taken(
                key["classroomId"], key["date"]
            )
        return record, previous

    def count_before(self, cutoff):
        """How many of this school's records are of days before cutoff."""
        return self.count({"date": {"$lt": cutoff}})

    def delete_before(self, cutoff):
        """Delete this school's records of days before cutoff; how many went."""
        result = self.collection.bulk_write(
            [DeleteMany(self.scoped({"date": {"$lt": cutoff}}))], session=self.session
        )
        return result.deleted_count

    def for_classroom_day(self, classroom_id, day):
        """{studentId: record} for a classroom's day."""
        return {r["studentId"]: r for r in self.find({"classroomId": classroom_id, "date": day})}

    def write_day(self, classroom_id, day, changes, existing):
        """One bulk write of {studentId: fields} for a classroom's day.

        existing: the day's records as read before (for_classroom_day). A record it does not
        hold is inserted, not upserted (an upsert looks its key up first, and a class's first
        roster of the day is all new records; docs/decisions/0003). Another request may have
        inserted one since the read: its insert then fails on the unique key and is written
        again as an upsert (last writer wins, as for an upsert).
        """
        if not changes:
            return
        now = utcnow()
        operations = [
            self._upsert(student_id, classroom_id, day, fields, now)
            if student_id in existing
            else self._insert(student_id, classroom_id, day, fields, now)
            for student_id, fields in changes.items()
        ]
        try:
            with bulk_budget():
                result = self.collection.bulk_write(operations, ordered=False, session=self.session)
            created = result.inserted_count + result.upserted_count
        except BulkWriteError as error:
            failures = error.details["writeErrors"]
            if any(failure["code"] != DUPLICATE_KEY for failure in failures):
                raise
            created = error.details["nInserted"] + error.details["nUpserted"]
            students = list(changes)  # the operations' order
            raced = [students[failure["index"]] for failure in failures]
            retries = [self._upsert(s, classroom_id, day, changes[s], now) for s in raced]
            with bulk_budget():
                self.collection.bulk_write(retries, ordered=False, session=self.session)
        if created:  # new records only: a day with records is already recorded as taken
            AttendanceDayRepository(self.scope, self.session).record_taken(classroom_id, day)

    def _insert(self, student_id, classroom_id, day, fields, now):
        """The insert of one student's new record of the day."""
        key = {"studentId": student_id, "classroomId": classroom_id, "date": day}
        return InsertOne(self.first_version(key, fields, now))

    def _upsert(self, student_id, classroom_id, day, fields, now):
        """The upsert of one student's record of the day."""
        return UpdateOne(
            self.scoped({"studentId": student_id, "classroomId": classroom_id, "date": day}),
            {"$set": {**fields, "updatedAt": now}, "$setOnInsert": {"createdAt": now}},
            upsert=True,
        )


class AttendanceDayRepository(TenantRepository):
    """Per school day, the classrooms whose attendance was taken: one document to read.

    Kept by AttendanceRepository's writes (the only way records are written; none is ever
    deleted, so a classroom once taken stays taken). Completion reads it instead of the day's
    records, which number as many as the school's students.
    """

    collection_name = "attendance_days"
    emits_write_events = False  # bookkeeping, not a business event
    # Derived from the records: what read it goes stale with them (every attendance write
    # replaces the attendance token), so its own writes need no token or audit event.
    cache_dependency = "attendance"

    def delete_before(self, cutoff):
        """Forget the days before cutoff (their records are gone); how many went."""
        result = self.collection.bulk_write(
            [DeleteMany(self.scoped({"date": {"$lt": cutoff}}))], session=self.session
        )
        return result.deleted_count

    def record_taken(self, classroom_id, day):
        """Add a classroom to the day's taken set (a no-op when it is there already).

        It also leaves the day's remembered missing list (see remember_missing) in the same
        atomic write, so that list never names a classroom that has taken attendance.
        """
        self.upsert_summary(
            {"date": day},
            {"$addToSet": {"classroomIds": classroom_id}, "$pull": {"missing.ids": classroom_id}},
        )

    def classrooms_taken(self, day):
        """Ids of the classrooms with attendance on the day."""
        # No projection: the document holds little else, and projecting a large array costs
        # more than reading it whole.
        document = self.find_one({"date": day})
        return set(document["classroomIds"]) if document else set()

    def remembered_missing(self, day):
        """The day's remembered {version, ids} of missing classrooms, or None."""
        document = self.find_one({"date": day}, projection={"missing": 1, "_id": 0})
        return (document or {}).get("missing")

    def remember_missing(self, day, taken_count, version, missing_ids):
        """Remember which active classrooms (set version) miss the day's attendance.

        Written only if the taken set still has taken_count classrooms (it only grows), so a
        classroom taken since it was read is never remembered as missing. Not a change of
        the day's data, and the collection is unaudited: no generation token or audit event.
        """
        document = self.find_one({"date": day}, projection={"_id": 1})
        if document is None:
            return
        # By _id: secantusdb (decision 0004) seeks by _id whatever else a write's filter names.
        query = self.scoped({"_id": document["_id"], "classroomIds": {"$size": taken_count}})
        memo = {"version": version, "ids": sorted(missing_ids)}
        self.collection.update_one(query, {"$set": {"missing": memo}}, session=self.session)


class AttendanceSessionRepository(TenantRepository):
    """QR attendance sessions: one active per classroom and session type."""

    collection_name = "attendance_sessions"

    def count_scan(self, session_id):
        """One more student recorded by this session."""
        self.collection.update_one(
            self.scoped({"_id": session_id}), {"$inc": {"scannedCount": 1}}, session=self.session
        )


def status_counts(repository, match):
    """{present, absent, late, excused, total, rate} for matching records (one pipeline)."""
    rows = repository.aggregate(
        [{"$match": match}, {"$group": {"_id": "$status", "count": {"$sum": 1}}}]
    )
    counts = dict.fromkeys(("present", "absent", "late", "excused"), 0)
    counts.update({row["_id"]: row["count"] for row in rows})
    total = sum(counts.values())
    attended = counts["present"] + counts["late"]
    return {**counts, "total": total, "rate": round(attended * 100 / total, 2) if total else None}
