"""Assignments and submissions."""

from educatenext.platform.mongo.repository import TenantRepository


class AssignmentRepository(TenantRepository):
    """Assignments of one institution."""

    collection_name = "assignments"


class SubmissionRepository(TenantRepository):
    """Submissions: one per assignment and student (a resubmission replaces it)."""

    collection_name = "submissions"

    def submit(self, assignment_id, student_id, fields):
        """Write the student's submission (a resubmission sets its fields again), see put.

        Returns (submission, previous or None).
        """
        key = {"assignmentId": assignment_id, "studentId": student_id}
        return self.put(key, fields, self.find_one(key))
