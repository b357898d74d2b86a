"""/api/v1/attendance: records, roster entry and the teacher app's QR sessions."""

from flask.views import MethodView

from educatenext.attendance import service
from educatenext.attendance.schemas import (
    AttendanceEnvelopeSchema,
    AttendanceMarkSchema,
    AttendanceQuerySchema,
    AttendanceSchema,
    RosterResultSchema,
    RosterSchema,
    ScanResultSchema,
    ScanSchema,
    SessionEndSchema,
    SessionEnvelopeSchema,
    SessionHistoryQuerySchema,
    SessionSchema,
    SessionStartSchema,
)
from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import bulk_limits, resource_limits
from educatenext.auth.roles import ADMIN, PARENT, STUDENT, TEACHER
from educatenext.caching.responses import cached
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.platform.http.schemas import PaginationQuerySchema

blp = Blueprint("attendance", __name__, url_prefix="/attendance", description="Attendance")
MARKERS = (ADMIN, TEACHER)


@blp.route("")
class AttendanceList(MethodView):
    """Attendance records."""

    decorators = resource_limits()

    @allow(ADMIN, TEACHER, STUDENT, PARENT)
    @cached("attendance")
    @blp.arguments(AttendanceQuerySchema, location="query")
    @blp.response(200, AttendanceSchema(many=True))
    def get(self, args):
        """List records (students: own; parents: their children's; teachers: their classrooms')."""
        page, limit = page_window(args)
        items, total = service.list_attendance(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(*MARKERS)
    @idempotent
    @blp.arguments(
        AttendanceMarkSchema,
        example={"studentId": "665f1c2e9b1e8a3d4c5b6a79", "classroomId": "665f1c2e9b1e8a3d4c5b6a70",
                 "date": "2025-10-06", "status": "present", "scanMethod": "manual"},
    )  # fmt: skip
    @blp.response(201, AttendanceEnvelopeSchema)
    @blp.alt_response(
        200, schema=AttendanceEnvelopeSchema, description="The day's record was updated"
    )
    def post(self, payload):
        """Mark one student for a day: 201 when created, 200 when it updates that day's record."""
        record, created = service.mark(current_identity(), payload)
        if created:
            return {"message": "Attendance recorded.", "attendance": record}
        return {"message": "Attendance updated.", "attendance": record}, 200


@blp.route("/roster")
class Roster(MethodView):
    """Whole-classroom entry."""

    decorators = bulk_limits()

    @allow(*MARKERS)
    @idempotent
    @blp.arguments(RosterSchema)
    @blp.response(200, RosterResultSchema)
    def post(self, payload):
        """Mark a classroom's day at once; sending the same roster again changes nothing."""
        results = service.roster(current_identity(), payload)
        counts = {
            key: sum(1 for r in results if r["status"] == key)
            for key in ("created", "updated", "unchanged")
        }
        failed = sum(1 for r in results if r["status"] == "error")
        return {"message": "Roster processed.", **counts, "failed": failed, "results": results}


@blp.route("/sessions/start")
class SessionStart(MethodView):
    """Start a session."""

    decorators = resource_limits()

    @allow(*MARKERS)
    @idempotent
    @blp.arguments(
        SessionStartSchema,
        example={"classroomId": "665f1c2e9b1e8a3d4c5b6a70", "sessionType": "morning"},
    )
    @blp.response(201, SessionEnvelopeSchema)
    def post(self, payload):
        """Start a QR attendance session (one active per classroom and type)."""
        return {
            "message": "Session started.",
            "session": service.start_session(current_identity(), payload),
        }


@blp.route("/sessions/<session_id>/end")
class SessionEnd(MethodView):
    """End a session."""

    decorators = resource_limits()

    @allow(*MARKERS)
    @blp.arguments(SessionEndSchema)
    @blp.response(200, SessionEnvelopeSchema)
    def put(self, _payload, session_id):
        """End an active session."""
        return {
            "message": "Session ended.",
            "session": service.end_session(current_identity(), session_id),
        }


@blp.route("/sessions/scan")
class SessionScan(MethodView):
    """Scan a student's QR."""

    decorators = resource_limits()

    @allow(*MARKERS)
    @idempotent
    @blp.arguments(ScanSchema)
    @blp.response(201, ScanResultSchema)
    @blp.alt_response(200, schema=ScanResultSchema, description="Already recorded by this session")
    def post(self, payload):
        """Validate a student's QR and record them present (once per session)."""
        record, created, student = service.scan(current_identity(), payload)
        body = {
            "message": "Attendance recorded." if created else "Already recorded.",
            "attendanceRecord": record,
            "studentInfo": {"name": student["name"], "id": str(student["_id"])},
        }
        return body if created else (body, 200)


@blp.route("/sessions/active")
class SessionsActive(MethodView):
    """Active sessions."""

    decorators = resource_limits()

    @allow(*MARKERS)
    @blp.arguments(PaginationQuerySchema, location="query")
    @blp.response(200, SessionSchema(many=True))
    def get(self, args):
        """The caller's active sessions."""
        page, limit = page_window(args)
        items, total = service.active_sessions(current_identity(), page, limit)
        return items, 200, pagination_headers(total, page, limit)


@blp.route("/sessions/history")
class SessionsHistory(MethodView):
    """Session history."""

    decorators = resource_limits()

    @allow(*MARKERS)
    @blp.arguments(SessionHistoryQuerySchema, location="query")
    @blp.response(200, SessionSchema(many=True))
    def get(self, args):
        """Past and current sessions (teachers: their own)."""
        page, limit = page_window(args)
        items, total = service.session_history(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)
