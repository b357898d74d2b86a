"""/api/v1/subjects: the curriculum's subjects."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, INSTITUTION_ROLES
from educatenext.caching.responses import cached
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.subjects import service
from educatenext.subjects.schemas import (
    SubjectCreateSchema,
    SubjectEnvelopeSchema,
    SubjectQuerySchema,
    SubjectSchema,
    SubjectUpdateSchema,
)

blp = Blueprint("subjects", __name__, url_prefix="/subjects", description="Subjects")


@blp.route("")
class SubjectList(MethodView):
    """Subject collection."""

    decorators = resource_limits()

    @allow(*INSTITUTION_ROLES)
    @cached("subjects")
    @blp.arguments(SubjectQuerySchema, location="query")
    @blp.response(200, SubjectSchema(many=True))
    def get(self, args):
        """List subjects."""
        page, limit = page_window(args)
        items, total = service.list_subjects(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(ADMIN)
    @idempotent
    @blp.arguments(SubjectCreateSchema, example={"name": "Mathematics", "code": "MATH-101"})
    @blp.response(201, SubjectEnvelopeSchema)
    def post(self, payload):
        """Create a subject."""
        return {
            "message": "Subject created.",
            "subject": service.create_subject(current_identity(), payload),
        }


@blp.route("/<subject_id>")
class SubjectDetail(MethodView):
    """One subject."""

    decorators = resource_limits()

    @allow(*INSTITUTION_ROLES)
    @cached("subjects")
    @blp.response(200, SubjectSchema)
    def get(self, subject_id):
        """Get a subject."""
        return service.get_subject(current_identity(), subject_id)

    @allow(ADMIN)
    @blp.arguments(SubjectUpdateSchema)
    @blp.response(200, SubjectEnvelopeSchema)
    def patch(self, changes, subject_id):
        """Update a subject."""
        return {
            "message": "Subject updated.",
            "subject": service.update_subject(current_identity(), subject_id, changes),
        }

    @allow(ADMIN)
    @blp.response(200, SubjectEnvelopeSchema)
    def delete(self, subject_id):
        """Archive a subject (kept for history)."""
        subject = service.update_subject(current_identity(), subject_id, {"status": "archived"})
        return {"message": "Subject archived.", "subject": subject}
