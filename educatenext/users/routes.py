"""/api/v1/users: an institution admin manages its users."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.roles import ADMIN
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.users import service
from educatenext.users.schemas import (
    UserCreateSchema,
    UserEnvelopeSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint("users", __name__, url_prefix="/users", description="Users of an institution")


@blp.route("")
class UserList(MethodView):
    """User collection."""

    @allow(ADMIN)
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    def get(self, args):
        """List the institution's users."""
        page, limit = page_window(args)
        items, total = service.list_users(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(ADMIN)
    @idempotent
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserEnvelopeSchema)
    def post(self, payload):
        """Create a user in the institution."""
        return {
            "message": "User created.",
            "user": service.create_user(current_identity(), payload),
        }


@blp.route("/<user_id>")
class UserDetail(MethodView):
    """One user."""

    @allow(ADMIN)
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """Get a user."""
        return service.get_user(current_identity(), user_id)

    @allow(ADMIN)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserEnvelopeSchema)
    def patch(self, changes, user_id):
        """Update a user."""
        return {
            "message": "User updated.",
            "user": service.update_user(current_identity(), user_id, changes),
        }

    @allow(ADMIN)
    @blp.response(200, UserEnvelopeSchema)
    def delete(self, user_id):
        """Deactivate a user (history is kept)."""
        return {
            "message": "User deactivated.",
            "user": service.deactivate_user(current_identity(), user_id),
        }
