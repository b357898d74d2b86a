"""/api/v1/analytics: attendance and grade reports."""

from flask.views import MethodView

from educatenext.analytics import service
from educatenext.analytics.schemas import (
    ChronicAbsenceQuerySchema,
    CompletionRowSchema,
    DayQuerySchema,
    DistributionQuerySchema,
    DistributionRowSchema,
    PeriodQuerySchema,
    SheetRowSchema,
    StudentAttendanceSchema,
)
from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, PARENT, STUDENT, TEACHER
from educatenext.caching.responses import cached
from educatenext.extensions import Blueprint
from educatenext.platform.http.pagination import computed_page

blp = Blueprint("analytics", __name__, url_prefix="/analytics", description="Reports")
STAFF = (ADMIN, TEACHER)


@blp.route("/attendance/students/<student_id>")
class StudentAttendanceSummary(MethodView):
    """A student's attendance summary."""

    decorators = resource_limits()

    @allow(ADMIN, TEACHER, STUDENT, PARENT)
    @cached("analytics")
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, StudentAttendanceSchema)
    def get(self, args, student_id):
        """Counts per status and attendance rate over a period."""
        return service.student_summary(current_identity(), student_id, args)


@blp.route("/attendance/classrooms/<classroom_id>/daily")
class DailySheet(MethodView):
    """A classroom's day."""

    decorators = resource_limits()

    @allow(*STAFF)
    @cached("analytics")
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, SheetRowSchema(many=True))
    def get(self, args, classroom_id):
        """Every enrolled student with the day's mark (status null: not taken)."""
        return computed_page(service.daily_sheet(current_identity(), classroom_id, args), args)


@blp.route("/attendance/chronic-absence")
class ChronicAbsence(MethodView):
    """Chronic absence."""

    decorators = resource_limits()

    @allow(*STAFF)
    @cached("analytics")
    @blp.arguments(ChronicAbsenceQuerySchema, location="query")
    @blp.response(200, StudentAttendanceSchema(many=True))
    def get(self, args):
        """Students under the attendance-rate threshold (default 90 %) over a period."""
        return computed_page(service.chronic_absence(current_identity(), args), args)


@blp.route("/attendance/completion")
class Completion(MethodView):
    """Attendance not taken."""

    decorators = resource_limits()

    @allow(ADMIN)
    @cached("analytics")
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, CompletionRowSchema(many=True))
    def get(self, args):
        """Active classrooms with no attendance recorded on the day (default today)."""
        return computed_page(service.completion(current_identity(), args), args)


@blp.route("/grades/distribution")
class GradeDistribution(MethodView):
    """Grade distribution."""

    decorators = resource_limits()

    @allow(*STAFF)
    @cached("analytics")
    @blp.arguments(DistributionQuerySchema, location="query")
    @blp.response(200, DistributionRowSchema(many=True))
    def get(self, args):
        """Entries per letter grade for a classroom (and subject) in a period."""
        return computed_page(service.grade_distribution(current_identity(), args), args)
