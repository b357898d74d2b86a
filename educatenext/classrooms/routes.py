"""/api/v1/classrooms: class groups, their capacity and primary teacher."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, CASHIER, FINANCE, TEACHER
from educatenext.caching.responses import cached
from educatenext.classrooms import service
from educatenext.classrooms.schemas import (
    ClassroomCreateSchema,
    ClassroomEnvelopeSchema,
    ClassroomQuerySchema,
    ClassroomSchema,
    ClassroomUpdateSchema,
)
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers

blp = Blueprint("classrooms", __name__, url_prefix="/classrooms", description="Classrooms")
STAFF = (ADMIN, TEACHER, FINANCE, CASHIER)


@blp.route("")
class ClassroomList(MethodView):
    """Classroom collection."""

    decorators = resource_limits()

    @allow(*STAFF)
    @cached("classrooms")
    @blp.arguments(ClassroomQuerySchema, location="query")
    @blp.response(200, ClassroomSchema(many=True))
    def get(self, args):
        """List classrooms (teachers: their own)."""
        page, limit = page_window(args)
        items, total = service.list_classrooms(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(ADMIN)
    @idempotent
    @blp.arguments(
        ClassroomCreateSchema,
        example={"name": "Grade 5 A", "academicYear": "2025-2026", "capacity": 40},
    )
    @blp.response(201, ClassroomEnvelopeSchema)
    def post(self, payload):
        """Create a classroom."""
        return {
            "message": "Classroom created.",
            "classroom": service.create_classroom(current_identity(), payload),
        }


@blp.route("/<classroom_id>")
class ClassroomDetail(MethodView):
    """One classroom."""

    decorators = resource_limits()

    @allow(*STAFF)
    @cached("classrooms")
    @blp.response(200, ClassroomSchema)
    def get(self, classroom_id):
        """Get a classroom."""
        return service.get_classroom(current_identity(), classroom_id)

    @allow(ADMIN)
    @blp.arguments(ClassroomUpdateSchema)
    @blp.response(200, ClassroomEnvelopeSchema)
    def patch(self, changes, classroom_id):
        """Update a classroom."""
        classroom = service.update_classroom(current_identity(), classroom_id, changes)
        return {"message": "Classroom updated.", "classroom": classroom}

    @allow(ADMIN)
    @blp.response(200, ClassroomEnvelopeSchema)
    def delete(self, classroom_id):
        """Archive a classroom (kept for history)."""
        classroom = service.update_classroom(
            current_identity(), classroom_id, {"status": "archived"}
        )
        return {"message": "Classroom archived.", "classroom": classroom}
