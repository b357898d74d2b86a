"""Assignments and submissions."""

from pymongo import ReturnDocument

from educatenext.repository import TenantRepository
from educatenext.values import utcnow


class AssignmentRepository(TenantRepository):
    """Assignments of one institution."""

    collection_name = "assignments"


class SubmissionRepository(TenantRepository):
    """Submissions: one per assignment and student (a resubmission replaces it)."""

    collection_name = "submissions"

    def submit(self, assignment_id, student_id, fields):
        """Upsert the student's submission; returns (submission, previous or None)."""
        now = utcnow()
        previous = self.collection.find_one_and_update(
            self.scoped({"assignmentId": assignment_id, "studentId": student_id}),
            {"$set": {**fields, "updatedAt": now}, "$setOnInsert": {"createdAt": now}},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
            session=self.session,
        )
        return self.find_one({"assignmentId": assignment_id, "studentId": student_id}), previous
