"""/api/v1/students: students, with row-level visibility and role-filtered fields."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import bulk_limits, resource_limits
from educatenext.auth.roles import ADMIN, INSTITUTION_ROLES
from educatenext.caching.responses import cached
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.platform.mongo.bulk import bulk_answer
from educatenext.students import service
from educatenext.students.schemas import (
    BulkResultSchema,
    StudentBulkSchema,
    StudentCreateSchema,
    StudentEnvelopeSchema,
    StudentQuerySchema,
    StudentSchema,
    StudentSummarySchema,
    StudentUpdateSchema,
)

blp = Blueprint("students", __name__, url_prefix="/students", description="Students")
GUARDIAN = {"name": "Pat Parent", "relationship": "mother", "phone": "+1 555 0100"}
EXAMPLE = {
    "name": "Sam Student",
    "admissionYear": 2025,
    "dateOfBirth": "2015-03-02",
    "guardianInfo": [GUARDIAN],
}


@blp.route("")
class StudentList(MethodView):
    """Student collection."""

    decorators = resource_limits()

    @allow(*INSTITUTION_ROLES)
    @cached("students")
    @blp.arguments(StudentQuerySchema, location="query")
    @blp.response(200, StudentSummarySchema(many=True))
    def get(self, args):
        """List students (teachers: their classrooms; parents: their children; students: self)."""
        page, limit = page_window(args)
        items, total = service.list_students(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(ADMIN)
    @idempotent
    @blp.arguments(StudentCreateSchema, example=EXAMPLE)
    @blp.response(201, StudentEnvelopeSchema)
    def post(self, payload):
        """Create a student (optionally enrolling them into classroomId)."""
        identity = current_identity()
        student = service.create_student(identity, payload)
        return {
            "message": "Student created.",
            "student": service.get_student(identity, student["_id"]),
        }


@blp.route("/bulk")
class StudentBulk(MethodView):
    """Bulk creation."""

    decorators = bulk_limits()

    @allow(ADMIN)
    @idempotent
    @blp.arguments(StudentBulkSchema, example={"students": [EXAMPLE]})
    @blp.response(200, BulkResultSchema)
    def post(self, payload):
        """Create up to 200 students; one result per item, in order."""
        return bulk_answer(service.bulk_create(current_identity(), payload["students"]), "created")


@blp.route("/<student_id>")
class StudentDetail(MethodView):
    """One student."""

    decorators = resource_limits()

    @allow(*INSTITUTION_ROLES)
    @blp.response(200, StudentSchema)
    def get(self, student_id):
        """Get a student (sensitive fields only for roles that need them)."""
        return service.get_student(current_identity(), student_id)

    @allow(ADMIN)
    @blp.arguments(StudentUpdateSchema)
    @blp.response(200, StudentEnvelopeSchema)
    def patch(self, changes, student_id):
        """Update a student; a status other than active ends the enrollment."""
        return {
            "message": "Student updated.",
            "student": service.update_student(current_identity(), student_id, changes),
        }

    @allow(ADMIN)
    @blp.response(200, StudentEnvelopeSchema)
    def delete(self, student_id):
        """Deactivate a student (history is kept)."""
        student = service.update_student(current_identity(), student_id, {"status": "inactive"})
        return {"message": "Student deactivated.", "student": student}
