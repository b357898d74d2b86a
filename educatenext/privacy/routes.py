"""/api/v1/students/:id/export and /erase: a student's data, seen whole or erased."""

from flask import Response, jsonify, stream_with_context
from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import bulk_limits, export_limits
from educatenext.auth.roles import ADMIN, PARENT
from educatenext.extensions import Blueprint
from educatenext.privacy import erasure, service
from educatenext.privacy.schemas import (
    ErasureConfirmationSchema,
    ErasureRequestSchema,
    ErasureResultSchema,
)

blp = Blueprint("privacy", __name__, url_prefix="/students", description="A student's data")


@blp.route("/<student_id>/export")
class StudentExport(MethodView):
    """Everything held about one student."""

    decorators = export_limits()

    @allow(ADMIN, PARENT)
    @blp.doc(responses={"200": {
        "description": "One JSON document, streamed: the student's record, then accounts, "
        "guardianAccounts, enrollments, attendance, grades (with history), reportCards, "
        "submissions, idCards, invoices, payments and auditEvents, each a list.",
        "content": {"application/json": {}}}})  # fmt: skip
    def get(self, student_id):
        """Export a student's data (admins; parents for their children). Audited."""
        name, chunks = service.export(current_identity(), student_id)
        headers = {"Content-Disposition": f'attachment; filename="{name}"',
                   "Cache-Control": "private, no-store"}  # fmt: skip
        return Response(stream_with_context(chunks), mimetype="application/json", headers=headers)


@blp.route("/<student_id>/erase")
class StudentErasure(MethodView):
    """Replace a student's personal data with a tombstone, in two steps."""

    decorators = bulk_limits()

    @allow(ADMIN)
    @blp.arguments(ErasureRequestSchema)
    @blp.response(200, ErasureResultSchema)
    @blp.alt_response(202, schema=ErasureConfirmationSchema,
                      description="Step one: confirm by sending the token back")  # fmt: skip
    def post(self, payload, student_id):
        """Erase a student (admins): first {reason} for a token, then {reason, token}."""
        identity = current_identity()
        if "confirmationToken" not in payload:
            confirmation = erasure.confirmation(identity, student_id)
            # A response of its own: the 200 schema would dump it again otherwise.
            return jsonify(ErasureConfirmationSchema().dump(confirmation)), 202
        return erasure.erase(identity, student_id, payload["reason"], payload["confirmationToken"])
