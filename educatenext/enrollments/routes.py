"""/api/v1/enrollments: students in classrooms over time."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import bulk_limits, resource_limits
from educatenext.auth.roles import ADMIN, TEACHER
from educatenext.caching.responses import cached
from educatenext.enrollments import service
from educatenext.enrollments.schemas import (
    EnrollmentBulkSchema,
    EnrollmentCreateSchema,
    EnrollmentEnvelopeSchema,
    EnrollmentQuerySchema,
    EnrollmentSchema,
    EnrollmentTransferSchema,
    EnrollmentWithdrawSchema,
)
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.platform.mongo.bulk import bulk_answer
from educatenext.students.schemas import BulkResultSchema

blp = Blueprint("enrollments", __name__, url_prefix="/enrollments", description="Enrollments")


@blp.route("")
class EnrollmentList(MethodView):
    """Enrollment collection."""

    decorators = resource_limits()

    @allow(ADMIN, TEACHER)
    @cached("enrollments")
    @blp.arguments(EnrollmentQuerySchema, location="query")
    @blp.response(200, EnrollmentSchema(many=True))
    def get(self, args):
        """List enrollments (teachers: their classrooms')."""
        page, limit = page_window(args)
        items, total = service.list_enrollments(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(ADMIN)
    @idempotent
    @blp.arguments(EnrollmentCreateSchema)
    @blp.response(201, EnrollmentEnvelopeSchema)
    def post(self, payload):
        """Enroll a student into a classroom (capacity and one active enrollment enforced)."""
        return {
            "message": "Student enrolled.",
            "enrollment": service.create_enrollment(current_identity(), payload),
        }


@blp.route("/bulk")
class EnrollmentBulk(MethodView):
    """Bulk enrollment."""

    decorators = bulk_limits()

    @allow(ADMIN)
    @idempotent
    @blp.arguments(EnrollmentBulkSchema)
    @blp.response(200, BulkResultSchema)
    def post(self, payload):
        """Enroll up to 200 students into one classroom; one result per student."""
        return bulk_answer(service.bulk_enroll(current_identity(), payload), "enrolled")


@blp.route("/<enrollment_id>")
class EnrollmentDetail(MethodView):
    """One enrollment."""

    decorators = resource_limits()

    @allow(ADMIN, TEACHER)
    @cached("enrollments")
    @blp.response(200, EnrollmentSchema)
    def get(self, enrollment_id):
        """Get an enrollment."""
        return service.get_enrollment(current_identity(), enrollment_id)

    @allow(ADMIN)
    @blp.arguments(EnrollmentWithdrawSchema)
    @blp.response(200, EnrollmentEnvelopeSchema)
    def patch(self, payload, enrollment_id):
        """Withdraw: end the enrollment (the seat is freed)."""
        enrollment = service.withdraw(current_identity(), enrollment_id, payload)
        return {"message": "Enrollment ended.", "enrollment": enrollment}


@blp.route("/<enrollment_id>/transfer")
class EnrollmentTransfer(MethodView):
    """Transfer."""

    decorators = resource_limits()

    @allow(ADMIN)
    @idempotent
    @blp.arguments(EnrollmentTransferSchema)
    @blp.response(201, EnrollmentEnvelopeSchema)
    def post(self, payload, enrollment_id):
        """Move the student to another classroom (old enrollment closed as transferred)."""
        enrollment = service.transfer(current_identity(), enrollment_id, payload)
        return {"message": "Student transferred.", "enrollment": enrollment}
