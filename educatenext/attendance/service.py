"""Attendance rules: one record per student/classroom/day, enrolled students only, no future
dates, teachers only for their classrooms; QR sessions record each student once."""

from pymongo.errors import DuplicateKeyError

from educatenext.attendance.repository import AttendanceRepository, AttendanceSessionRepository
from educatenext.auth.roles import PARENT, STUDENT, TEACHER
from educatenext.classrooms.repository import ClassroomRepository
from educatenext.enrollments.repository import EnrollmentRepository
from educatenext.platform.http.errors import APIError, not_found, validation_error
from educatenext.platform.http.listing import add_range
from educatenext.platform.values import today, utcnow
from educatenext.qr import service as qr_service
from educatenext.students.repository import StudentRepository


def check_classroom(identity, classroom_id):
    """The classroom, which a teacher must teach; 404 otherwise."""
    classroom = ClassroomRepository(identity.scope).get(classroom_id)
    teaches = classroom is not None and classroom["_id"] in identity.classroom_ids
    if classroom is None or (identity.role == TEACHER and not teaches):
        raise not_found("Classroom")
    return classroom


def _check_day(day):
    if day > today():
        raise validation_error(
            {"json": {"date": ["Attendance cannot be taken for a future date."]}}
        )


def mark(identity, payload):
    """Create or update one student's record for a day; returns (record, created)."""
    check_classroom(identity, payload["classroomId"])
    _check_day(payload["date"])
    if not EnrollmentRepository(identity.scope).is_enrolled(
        payload["studentId"], payload["classroomId"], payload["date"]
    ):
        raise APIError(409, "NOT_ENROLLED")
    key = {
        "studentId": payload["studentId"],
        "classroomId": payload["classroomId"],
        "date": payload["date"],
    }
    repository = AttendanceRepository(identity.scope)
    existing = repository.find_one(key)
    if existing is not None and existing["status"] == payload["status"]:
        return existing, False  # nothing changes: no write
    fields = {
        "status": payload["status"],
        "method": payload["scanMethod"],
        "markedBy": identity.user_id,
    }
    if "notes" in payload:
        fields["notes"] = payload["notes"]
    record, previous = repository.mark(key, fields, existing)
    return record, previous is None


def roster(identity, payload):
    """Mark a classroom's day in one request; idempotent (a repeat writes nothing)."""
    classroom_id, day = payload["classroomId"], payload["date"]
    check_classroom(identity, classroom_id)
    _check_day(day)
    enrolled = EnrollmentRepository(identity.scope).enrolled_on(classroom_id, day)
    repository = AttendanceRepository(identity.scope)
    existing = repository.for_classroom_day(classroom_id, day)
    results, changes = [], {}
    for entry in payload["entries"]:
        student_id, status = entry["studentId"], entry["status"]
        if student_id not in enrolled:
            results.append(
                {"studentId": str(student_id), "status": "error", "error": "NOT_ENROLLED"}
            )
        elif student_id in changes:
            results.append(
                {"studentId": str(student_id), "status": "error", "error": "DUPLICATE_ENTRY"}
            )
        elif existing.get(student_id, {}).get("status") == status:
            results.append({"studentId": str(student_id), "status": "unchanged"})
        else:
            changes[student_id] = {"status": status, "method": "bulk", "markedBy": identity.user_id}
            outcome = "updated" if student_id in existing else "created"
            results.append({"studentId": str(student_id), "status": outcome})
    repository.write_day(classroom_id, day, changes, existing)
    return results


def row_filter(identity, args):
    """Which records the caller may list, as an index-ordered filter prefix (None: nothing)."""
    student_id, classroom_id = args.get("studentId"), args.get("classroomId")
    if identity.role == STUDENT:
        return None if identity.student_id is None else {"studentId": identity.student_id}
    if identity.role == PARENT:
        children = list(identity.child_student_ids)
        if student_id is not None:
            return {"studentId": student_id} if student_id in children else None
        return _one_or_many("studentId", children)
    if identity.role == TEACHER:
        mine = list(identity.classroom_ids)
        if classroom_id is not None:
            query = {"classroomId": classroom_id} if classroom_id in mine else None
        else:
            query = _one_or_many("classroomId", mine)
        if query is not None and student_id is not None:
            query["studentId"] = student_id
        return query
    query = {}
    if student_id is not None:
        query["studentId"] = student_id
    elif classroom_id is not None:
        query["classroomId"] = classroom_id
    return query


def _one_or_many(field, ids):
    if not ids:
        return None
    return {field: ids[0]} if len(ids) == 1 else {field: {"$in": ids}}


def list_attendance(identity, args, page, limit):
    """(records, total) visible to the caller, filtered by status and date range."""
    query = row_filter(identity, args)
    if query is None:
        return [], 0
    if args.get("status"):
        query["status"] = args["status"]
    add_range(query, "date", args.get("startDate"), args.get("endDate"))
    return AttendanceRepository(identity.scope).page(
        query, sort=args["sort_spec"], page=page, limit=limit
    )


def start_session(identity, payload):
    """Start a QR session; a second active one for the classroom and type is a 409."""
    check_classroom(identity, payload["classroomId"])
    now = utcnow()
    try:
        return AttendanceSessionRepository(identity.scope).insert(
            {
                "classroomId": payload["classroomId"],
                "sessionType": payload["sessionType"],
                "status": "active",
                "date": today(),
                "teacherUserId": identity.user_id,
                "startedAt": now,
                "endedAt": None,
                "scannedCount": 0,
            }
        )
    except DuplicateKeyError:
        raise APIError(
            409, "CONFLICT", "A session of this type is already active for this classroom."
        ) from None


def _session(identity, session_id, active=False):
    repository = AttendanceSessionRepository(identity.scope)
    session = repository.get(session_id)
    if session is None or (
        identity.role == TEACHER and session["classroomId"] not in identity.classroom_ids
    ):
        raise not_found("Session")
    if active and session["status"] != "active":
        raise APIError(409, "CONFLICT", "This session has ended.")
    return session


def end_session(identity, session_id):
    """End an active session."""
    session = _session(identity, session_id, active=True)
    ended = AttendanceSessionRepository(identity.scope).update(
        session["_id"], {"status": "ended", "endedAt": utcnow()}, extra_filter={"status": "active"}
    )
    if ended is None:
        raise APIError(409, "CONFLICT", "This session has ended.")
    return ended


def scan(identity, payload):
    """Record a scanned student present, once; returns (record, created, student)."""
    session = _session(identity, payload["sessionId"], active=True)
    user, claims = qr_service.verify(payload["qrData"], identity.institution_id)
    if claims.get("typ") != STUDENT:
        raise APIError(400, "QR_INVALID", "This QR code is not a student's.")
    student = StudentRepository(identity.scope).find_one({"userId": user["_id"]})
    day = today()
    if student is None or not EnrollmentRepository(identity.scope).is_enrolled(
        student["_id"], session["classroomId"], day
    ):
        raise APIError(409, "NOT_ENROLLED")
    repository = AttendanceRepository(identity.scope)
    key = {"studentId": student["_id"], "classroomId": session["classroomId"], "date": day}
    existing = repository.find_one(key)
    if existing is not None and existing.get("sessionId") == session["_id"]:
        return existing, False, student  # scanned twice: recorded once
    fields = {
        "status": "present",
        "method": "qr_scan",
        "markedBy": identity.user_id,
        "sessionId": session["_id"],
    }
    if payload.get("deviceId"):
        fields["deviceId"] = payload["deviceId"]
    record, _ = repository.mark(key, fields, existing)
    AttendanceSessionRepository(identity.scope).count_scan(session["_id"])
    return record, True, student


def active_sessions(identity, page, limit):
    """(the caller's active sessions, total), newest first."""
    return AttendanceSessionRepository(identity.scope).page(
        {"teacherUserId": identity.user_id, "status": "active"},
        sort=[("startedAt", -1), ("_id", -1)],
        page=page,
        limit=limit,
    )


def session_history(identity, args, page, limit):
    """(sessions, total) for the caller's classrooms (admins: all)."""
    query = {}
    classroom_id = args.get("classroomId")
    if identity.role == TEACHER:
        query = {"teacherUserId": identity.user_id}
    if classroom_id is not None:
        query["classroomId"] = classroom_id
    add_range(query, "date", args.get("startDate"), args.get("endDate"))
    return AttendanceSessionRepository(identity.scope).page(
        query, sort=args["sort_spec"], page=page, limit=limit
    )
