"""/api/v1/reports: report cards."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, PARENT, STUDENT, TEACHER
from educatenext.caching.responses import cached
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.reportcards import service
from educatenext.reportcards.schemas import (
    ReportCardCreateSchema,
    ReportCardEnvelopeSchema,
    ReportCardQuerySchema,
    ReportCardSchema,
)

blp = Blueprint("reports", __name__, url_prefix="/reports", description="Report cards")


@blp.route("")
class ReportCardList(MethodView):
    """Report cards."""

    decorators = resource_limits()

    @allow(ADMIN, TEACHER, STUDENT, PARENT)
    @cached("reportcards")
    @blp.arguments(ReportCardQuerySchema, location="query")
    @blp.response(200, ReportCardSchema(many=True))
    def get(self, args):
        """List report cards (students and parents: published ones, their own)."""
        page, limit = page_window(args)
        items, total = service.list_reports(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(ADMIN, TEACHER)
    @idempotent
    @blp.arguments(
        ReportCardCreateSchema,
        example={
            "studentId": "665f1c2e9b1e8a3d4c5b6a79",
            "academicYear": "2025-2026",
            "semester": "first",
        },
    )
    @blp.response(201, ReportCardEnvelopeSchema)
    @blp.alt_response(200, schema=ReportCardEnvelopeSchema, description="Recomputed (unpublished)")
    def post(self, payload):
        """Compute a report card from grades and attendance (one per student, year, semester)."""
        report, created = service.generate(current_identity(), payload)
        body = {
            "message": "Report card generated." if created else "Report card recomputed.",
            "report": report,
        }
        return body if created else (body, 200)


@blp.route("/<report_id>")
class ReportCardDetail(MethodView):
    """One report card."""

    decorators = resource_limits()

    @allow(ADMIN, TEACHER, STUDENT, PARENT)
    @cached("reportcards")
    @blp.response(200, ReportCardSchema)
    def get(self, report_id):
        """Get a report card."""
        return service.get_report(current_identity(), report_id)


@blp.route("/<report_id>/publish")
class ReportCardPublish(MethodView):
    """Publishing."""

    decorators = resource_limits()

    @allow(ADMIN)
    @blp.response(200, ReportCardEnvelopeSchema)
    def put(self, report_id):
        """Publish a report card to the student and parents."""
        return {
            "message": "Report card published.",
            "report": service.publish(current_identity(), report_id),
        }
