"""/api/v1/assignments: coursework, due-soon lists and submissions."""

from flask.views import MethodView

from educatenext.assignments import service
from educatenext.assignments.schemas import (
    AssignmentCreateSchema,
    AssignmentEnvelopeSchema,
    AssignmentQuerySchema,
    AssignmentSchema,
    AssignmentUpdateSchema,
    DueSoonQuerySchema,
    SubmissionEnvelopeSchema,
    SubmissionSchema,
    SubmitSchema,
)
from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, PARENT, STUDENT, TEACHER
from educatenext.caching.responses import cached
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.platform.http.schemas import PaginationQuerySchema

blp = Blueprint("assignments", __name__, url_prefix="/assignments", description="Assignments")
SETTERS = (ADMIN, TEACHER)
READERS = (ADMIN, TEACHER, STUDENT, PARENT)


@blp.route("")
class AssignmentList(MethodView):
    """Assignments."""

    decorators = resource_limits()

    @allow(*READERS)
    @cached("assignments")
    @blp.arguments(AssignmentQuerySchema, location="query")
    @blp.response(200, AssignmentSchema(many=True))
    def get(self, args):
        """List assignments of the caller's classrooms."""
        page, limit = page_window(args)
        items, total = service.list_assignments(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(*SETTERS)
    @idempotent
    @blp.arguments(AssignmentCreateSchema)
    @blp.response(201, AssignmentEnvelopeSchema)
    def post(self, payload):
        """Set an assignment for a classroom."""
        return {
            "message": "Assignment created.",
            "assignment": service.create(current_identity(), payload),
        }


@blp.route("/due-soon")
class DueSoon(MethodView):
    """Due soon."""

    decorators = resource_limits()

    @allow(*READERS)
    @blp.arguments(DueSoonQuerySchema, location="query")
    @blp.response(200, AssignmentSchema(many=True))
    def get(self, args):
        """Active assignments due in the next days (7 by default), soonest first."""
        page, limit = page_window(args)
        items, total = service.due_soon(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)


@blp.route("/<assignment_id>")
class AssignmentDetail(MethodView):
    """One assignment."""

    decorators = resource_limits()

    @allow(*READERS)
    @cached("assignments")
    @blp.response(200, AssignmentSchema)
    def get(self, assignment_id):
        """Get an assignment."""
        return service.get(current_identity(), assignment_id)

    @allow(*SETTERS)
    @blp.arguments(AssignmentUpdateSchema)
    @blp.response(200, AssignmentEnvelopeSchema)
    def patch(self, changes, assignment_id):
        """Update an assignment."""
        assignment = service.update(current_identity(), assignment_id, changes)
        return {"message": "Assignment updated.", "assignment": assignment}


@blp.route("/<assignment_id>/submit")
class Submit(MethodView):
    """Submission by a student."""

    decorators = resource_limits()

    @allow(STUDENT)
    @idempotent
    @blp.arguments(SubmitSchema)
    @blp.response(201, SubmissionEnvelopeSchema)
    @blp.alt_response(200, schema=SubmissionEnvelopeSchema, description="Resubmitted")
    def post(self, payload, assignment_id):
        """Submit your work ('late' after the due date); submitting again replaces it."""
        submission, created = service.submit(current_identity(), assignment_id, payload)
        body = {"message": "Submitted." if created else "Resubmitted.", "submission": submission}
        return body if created else (body, 200)


@blp.route("/<assignment_id>/submissions")
class Submissions(MethodView):
    """Submissions of an assignment."""

    decorators = resource_limits()

    @allow(*SETTERS)
    @blp.arguments(PaginationQuerySchema, location="query")
    @blp.response(200, SubmissionSchema(many=True))
    def get(self, args, assignment_id):
        """All submissions of an assignment."""
        page, limit = page_window(args)
        items, total = service.submissions(current_identity(), assignment_id, page, limit)
        return items, 200, pagination_headers(total, page, limit)
