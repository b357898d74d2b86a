"""/api/v1/students/:id/export: a student's data, for the school or the family (subject access)."""

from flask import Response, stream_with_context
from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import export_limits
from educatenext.auth.roles import ADMIN, PARENT
from educatenext.extensions import Blueprint
from educatenext.privacy import service

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
