"""/api/v1/teachers: teacher profiles with their names."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, CASHIER, FINANCE, TEACHER
from educatenext.caching.responses import cached
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.teachers import service
from educatenext.teachers.schemas import (
    TeacherCreateSchema,
    TeacherEnvelopeSchema,
    TeacherQuerySchema,
    TeacherSchema,
    TeacherUpdateSchema,
)

blp = Blueprint("teachers", __name__, url_prefix="/teachers", description="Teachers")
STAFF = (ADMIN, TEACHER, FINANCE, CASHIER)
EXAMPLE = {
    "name": "Tina Teacher",
    "email": "tina@greenfield.org",
    "password": "a long passphrase",
    "employeeId": "T-0042",
    "qualifications": ["B.Ed. Mathematics"],
}


@blp.route("")
class TeacherList(MethodView):
    """Teacher collection."""

    decorators = resource_limits()

    @allow(*STAFF)
    @cached("teachers")
    @blp.arguments(TeacherQuerySchema, location="query")
    @blp.response(200, TeacherSchema(many=True))
    def get(self, args):
        """List teachers with their names."""
        page, limit = page_window(args)
        items, total = service.list_teachers(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(ADMIN)
    @idempotent
    @blp.arguments(TeacherCreateSchema, example=EXAMPLE)
    @blp.response(201, TeacherEnvelopeSchema)
    def post(self, payload):
        """Create a teacher (and their account, unless userId names one)."""
        return {
            "message": "Teacher created.",
            "teacher": service.create_teacher(current_identity(), payload),
        }


@blp.route("/<teacher_id>")
class TeacherDetail(MethodView):
    """One teacher."""

    decorators = resource_limits()

    @allow(*STAFF)
    @cached("teachers")
    @blp.response(200, TeacherSchema)
    def get(self, teacher_id):
        """Get a teacher."""
        return service.get_teacher(current_identity(), teacher_id)

    @allow(ADMIN)
    @blp.arguments(TeacherUpdateSchema)
    @blp.response(200, TeacherEnvelopeSchema)
    def patch(self, changes, teacher_id):
        """Update a teacher's profile."""
        return {
            "message": "Teacher updated.",
            "teacher": service.update_teacher(current_identity(), teacher_id, changes),
        }

    @allow(ADMIN)
    @blp.response(200, TeacherEnvelopeSchema)
    def delete(self, teacher_id):
        """Deactivate a teacher profile (kept for history)."""
        teacher = service.update_teacher(current_identity(), teacher_id, {"status": "inactive"})
        return {"message": "Teacher deactivated.", "teacher": teacher}
