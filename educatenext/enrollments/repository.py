"""Enrollments: a student's membership of a classroom over a date range."""

from educatenext.platform.mongo.repository import TenantRepository


class EnrollmentRepository(TenantRepository):
    """Enrollments of one institution."""

    collection_name = "enrollments"

    def list_filter(self, *, classroom_ids=None, classroom_id=None, student_id=None, status=None):
        """Filter in index order: classroom, status (or student, status)."""
        query = {}
        if classroom_id is not None:
            query["classroomId"] = classroom_id
        elif classroom_ids is not None:
            query["classroomId"] = {"$in": list(classroom_ids)}
        if student_id is not None:
            query["studentId"] = student_id
        if status:
            query["status"] = status
        return query

    def active_for(self, student_id):
        """The student's active enrollment, or None."""
        return self.find_one({"studentId": student_id, "status": "active"})

    def active_student_ids(self, student_ids):
        """Which of these students already have an active enrollment."""
        query = {"studentId": {"$in": list(student_ids)}, "status": "active"}
        return {doc["studentId"] for doc in self.find(query, projection={"studentId": 1})}

    def is_enrolled(self, student_id, classroom_id, day):
        """True when the student was enrolled in the classroom on that day (end date checked
        here, as in enrolled_on, so the index (studentId, classroomId, startDate) serves it)."""
        query = {"studentId": student_id, "classroomId": classroom_id, "startDate": {"$lte": day}}
        rows = self.find(query, projection={"endDate": 1})
        return any(row.get("endDate") is None or row["endDate"] > day for row in rows)

    def enrolled_on(self, classroom_id, day):
        """Ids of the classroom's students on that day.

        The index (classroomId, startDate) serves the query; the end date is checked here,
        as an $or in the filter would keep the dev server from using the index.
        """
        query = {"classroomId": classroom_id, "startDate": {"$lte": day}}
        rows = self.find(query, projection={"studentId": 1, "endDate": 1})
        return {
            row["studentId"] for row in rows if row.get("endDate") is None or row["endDate"] > day
        }
