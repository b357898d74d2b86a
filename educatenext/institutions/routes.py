"""/api/v1/institutions: schools on the platform."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.roles import ADMIN, ROLES, SUPER_ADMIN
from educatenext.extensions import Blueprint
from educatenext.institutions import service
from educatenext.institutions.schemas import (
    InstitutionCreateSchema,
    InstitutionEnvelopeSchema,
    InstitutionQuerySchema,
    InstitutionSchema,
    InstitutionUpdateSchema,
)
from educatenext.platform.http.pagination import page_window, pagination_headers

blp = Blueprint("institutions", __name__, url_prefix="/institutions", description="Institutions")


@blp.route("")
class InstitutionList(MethodView):
    """Institution collection."""

    @allow(*ROLES)
    @blp.arguments(InstitutionQuerySchema, location="query")
    @blp.response(200, InstitutionSchema(many=True))
    def get(self, args):
        """List institutions (a school's users see only their own)."""
        page, limit = page_window(args)
        items, total = service.list_institutions(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(SUPER_ADMIN)
    @blp.arguments(InstitutionCreateSchema)
    @blp.response(201, InstitutionEnvelopeSchema)
    def post(self, payload):
        """Create an institution, optionally with its first admin."""
        institution, admin = service.create_institution(payload)
        body = {"message": "Institution created.", "institution": institution}
        if admin is not None:
            body["admin"] = admin
        return body


@blp.route("/<institution_id>")
class InstitutionDetail(MethodView):
    """One institution."""

    @allow(*ROLES)
    @blp.response(200, InstitutionSchema)
    def get(self, institution_id):
        """Get an institution."""
        return service.get_institution(current_identity(), institution_id)

    @allow(SUPER_ADMIN, ADMIN)
    @blp.arguments(InstitutionUpdateSchema)
    @blp.response(200, InstitutionEnvelopeSchema)
    def patch(self, changes, institution_id):
        """Update an institution's details."""
        institution = service.update_institution(current_identity(), institution_id, changes)
        return {"message": "Institution updated.", "institution": institution}

    @allow(SUPER_ADMIN)
    @blp.response(200, InstitutionEnvelopeSchema)
    def delete(self, institution_id):
        """Deactivate an institution (nothing is deleted)."""
        institution = service.deactivate_institution(current_identity(), institution_id)
        return {"message": "Institution deactivated.", "institution": institution}
