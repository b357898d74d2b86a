"""Assignment rules: teachers set work for their classrooms; students submit their own,
marked late after the due date; students and parents see their classrooms' work."""

from datetime import timedelta

from educatenext.assignments.repository import AssignmentRepository, SubmissionRepository
from educatenext.auth.roles import PARENT, STUDENT, TEACHER
from educatenext.classrooms.repository import ClassroomRepository
from educatenext.platform.http.errors import APIError, not_found, validation_error
from educatenext.platform.http.listing import add_range
from educatenext.platform.values import utcnow
from educatenext.students.repository import StudentRepository
from educatenext.subjects.repository import SubjectRepository


def visible_classrooms(identity):
    """The classrooms whose assignments the caller sees (None: all of the institution)."""
    if identity.role == TEACHER:
        return list(identity.classroom_ids)
    students = StudentRepository(identity.scope)
    if identity.role == STUDENT:
        rows = students.find({"userId": identity.user_id}, projection={"classroomId": 1})
    elif identity.role == PARENT:
        rows = students.find({"guardianUserIds": identity.user_id}, projection={"classroomId": 1})
    else:
        return None
    return [row["classroomId"] for row in rows if row.get("classroomId")]


def _classroom_filter(identity, classroom_id):
    """Index-ordered classroom condition, or None when the caller may see nothing."""
    visible = visible_classrooms(identity)
    if classroom_id is not None:
        return {"classroomId": classroom_id} if visible is None or classroom_id in visible else None
    if visible is None:
        return {}
    if not visible:
        return None
    return {"classroomId": visible[0]} if len(visible) == 1 else {"classroomId": {"$in": visible}}


def create(identity, payload):
    """Set an assignment for a classroom the caller teaches."""
    classroom = ClassroomRepository(identity.scope).get(payload["classroomId"])
    if classroom is None or (
        identity.role == TEACHER and classroom["_id"] not in identity.classroom_ids
    ):
        raise not_found("Classroom")
    if (
        payload.get("subjectId")
        and SubjectRepository(identity.scope).get(payload["subjectId"]) is None
    ):
        raise validation_error({"json": {"subjectId": ["Unknown subject."]}})
    return AssignmentRepository(identity.scope).insert(
        {**payload, "status": "active", "createdBy": identity.user_id}
    )


def list_assignments(identity, args, page, limit):
    """(assignments, total) of the caller's classrooms."""
    query = _classroom_filter(identity, args.get("classroomId"))
    if query is None:
        return [], 0
    if args.get("status"):
        query["status"] = args["status"]
    add_range(query, "dueDate", args.get("dueFrom"), args.get("dueTo"))
    return AssignmentRepository(identity.scope).page(
        query, sort=args["sort_spec"], page=page, limit=limit
    )


def due_soon(identity, args, page, limit):
    """(active assignments due in the next `days` days, soonest first; total)."""
    query = _classroom_filter(identity, args.get("classroomId"))
    if query is None:
        return [], 0
    now = utcnow()
    query.update(
        {"status": "active", "dueDate": {"$gte": now, "$lte": now + timedelta(days=args["days"])}}
    )
    return AssignmentRepository(identity.scope).page(
        query, sort=[("dueDate", 1), ("_id", 1)], page=page, limit=limit
    )


def get(identity, assignment_id):
    """An assignment the caller may see, or 404."""
    assignment = AssignmentRepository(identity.scope).get(assignment_id)
    visible = visible_classrooms(identity) if assignment else None
    if assignment is None or (visible is not None and assignment["classroomId"] not in visible):
        raise not_found("Assignment")
    return assignment


def update(identity, assignment_id, changes):
    """Edit an assignment."""
    assignment = get(identity, assignment_id)
    return AssignmentRepository(identity.scope).update(assignment["_id"], changes)


def submit(identity, assignment_id, payload):
    """The calling student's submission, 'late' after the due date: (submission, created)."""
    assignment = get(identity, assignment_id)
    if assignment.get("status") != "active":
        raise APIError(409, "CONFLICT", "This assignment is closed.")
    student = StudentRepository(identity.scope).find_one({"userId": identity.user_id})
    if student is None or student.get("classroomId") != assignment["classroomId"]:
        raise APIError(409, "NOT_ENROLLED")
    now = utcnow()
    status = "late" if now > assignment["dueDate"] else "submitted"
    submission, previous = SubmissionRepository(identity.scope).submit(
        assignment["_id"], student["_id"], {**payload, "status": status, "submittedAt": now}
    )
    return submission, previous is None


def submissions(identity, assignment_id, page, limit):
    """(submissions of an assignment, total) for teachers of its classroom and admins."""
    assignment = get(identity, assignment_id)
    return SubmissionRepository(identity.scope).page(
        {"assignmentId": assignment["_id"]},
        sort=[("submittedAt", 1), ("_id", 1)],
        page=page,
        limit=limit,
    )
