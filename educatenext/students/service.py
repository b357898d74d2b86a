"""Student rules: atomic generated ids, account links, row-level visibility, sensitive fields."""

from marshmallow import ValidationError

from educatenext.accounts import links
from educatenext.auth.roles import ADMIN, CASHIER, FINANCE, PARENT, STUDENT, TEACHER
from educatenext.classrooms.service import classroom_names
from educatenext.enrollments import service as enrollment_service
from educatenext.enrollments.repository import EnrollmentRepository
from educatenext.platform.http.errors import APIError, flatten_messages, not_found
from educatenext.platform.mongo.transactions import in_transaction
from educatenext.platform.values import parse_object_id, today
from educatenext.students.repository import CounterRepository, StudentRepository
from educatenext.students.schemas import StudentCreateSchema

# Which roles see which sensitive field groups (rows are already limited per role).
SENSITIVE_FIELDS = {
    "medicalNotes": {ADMIN, TEACHER, PARENT},
    "guardianInfo": {ADMIN, TEACHER, PARENT},
    "emergencyContacts": {ADMIN, TEACHER, PARENT},
    "nationalId": {ADMIN},
    "birthCertificateNumber": {ADMIN},
    # A scholarship or staff-child category is the family's and the fees office's business.
    "feeCategory": {ADMIN, FINANCE, CASHIER, PARENT, STUDENT},
}
INACTIVE_STATUSES = {"inactive", "graduated", "transferred"}


def row_scope(identity):
    """Rows a role may see: teachers their classrooms', parents their children, students self."""
    if identity.role == TEACHER:
        if len(identity.classroom_ids) == 1:  # the usual homeroom case: an equality match
            return {"classroomId": identity.classroom_ids[0]}
        return {"classroomId": {"$in": list(identity.classroom_ids)}}
    if identity.role == PARENT:
        return {"guardianUserIds": identity.user_id}
    if identity.role == STUDENT:
        return {"userId": identity.user_id}
    return {}


def create_student(identity, payload):
    """Create a student with the next generated id; enroll and link accounts in one transaction."""
    payload = dict(payload)
    classroom_id = payload.pop("classroomId", None)
    links.check_record_links(identity.scope, None, payload)

    def write(session):
        sequence = CounterRepository(identity.scope, session=session).next_value(
            f"students:{payload['admissionYear']}"
        )
        student = StudentRepository(identity.scope, session=session).insert(
            {
                "status": "active",
                "classroomId": None,
                "guardianUserIds": [],
                "guardianInfo": [],
                "emergencyContacts": [],
                **payload,
                "generatedId": f"S{payload['admissionYear']}-{sequence:05d}",
            }
        )
        if classroom_id is not None:
            enrollment_service.enroll(identity.scope, student, classroom_id, today(), session)
            student["classroomId"] = classroom_id
        links.mirror_record(identity.scope, student, {}, session)
        return student

    student = in_transaction(write)
    links.forget_record_accounts(student, {})
    return student


def bulk_create(identity, items):
    """Create many students; each is validated and written on its own, with its own result."""
    results = []
    schema = StudentCreateSchema()
    for index, item in enumerate(items):
        try:
            student = create_student(identity, schema.load(item))
        except ValidationError as error:
            results.append(
                _failure(
                    index,
                    "VALIDATION_ERROR",
                    "Invalid student.",
                    flatten_messages(error.messages, "json"),
                )
            )
        except APIError as error:
            results.append(_failure(index, error.code, error.message, error.details))
        else:
            results.append({"index": index, "status": "created", "id": str(student["_id"]),
                             "generatedId": student["generatedId"]})  # fmt: skip
    return results


def _failure(index, code, message, details=None):
    error = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"index": index, "status": "error", "error": error}


def list_students(identity, args, page, limit):
    """(summaries with classroom names, total) for the rows the caller may see."""
    scope = row_scope(identity)
    classroom_id = args.get("classroomId")
    if identity.role == TEACHER and classroom_id is not None:
        if classroom_id not in identity.classroom_ids:
            return [], 0
        scope = {}  # the equality filter below is within the teacher's classrooms
    repository = StudentRepository(identity.scope)
    query = repository.list_filter(
        scope, status=args.get("status"), classroom_id=classroom_id, name_prefix=args.get("q")
    )
    projection = {
        "name": 1,
        "generatedId": 1,
        "admissionYear": 1,
        "classroomId": 1,
        "status": 1,
        "createdAt": 1,
    }
    items, total = repository.page(
        query, sort=args["sort_spec"], page=page, limit=limit, projection=projection
    )
    return with_classroom_refs(identity, items), total


def with_classroom_refs(identity, students):
    """Expand classroomId into {_id, id, name} (one query for the whole page)."""
    names = classroom_names(identity.scope, (s.get("classroomId") for s in students))
    for student in students:
        classroom_id = student.get("classroomId")
        if classroom_id is None:
            student["classroomId"] = None
        else:
            ref = str(classroom_id)
            student["classroomId"] = {"_id": ref, "id": ref, "name": names.get(classroom_id)}
    return students


def get_student(identity, student_id):
    """One student the caller may see (404 otherwise), sensitive fields filtered by role."""
    student = _visible(identity, student_id)
    return redact(identity, with_classroom_refs(identity, [student])[0])


def redact(identity, student):
    """Drop the sensitive fields this role does not need."""
    for field, roles in SENSITIVE_FIELDS.items():
        if identity.role not in roles:
            student.pop(field, None)
    return student


def update_student(identity, student_id, changes):
    """Apply changes; leaving 'active' ends the enrollment; link changes resync accounts."""
    student = _visible(identity, student_id)
    links.check_record_links(identity.scope, student["_id"], changes)
    leaving = changes.get("status") in INACTIVE_STATUSES and student.get("status") == "active"

    def write(session):
        if leaving:
            active = EnrollmentRepository(identity.scope, session=session).active_for(
                student["_id"]
            )
            if active is not None:
                enrollment_service.end_enrollment(
                    identity.scope,
                    active,
                    "withdrawn",
                    today(),
                    f"student {changes['status']}",
                    session,
                )
        updated = StudentRepository(identity.scope, session=session).update(student["_id"], changes)
        links.mirror_record(identity.scope, updated, student, session)
        return updated

    updated = in_transaction(write)
    links.forget_record_accounts(updated, student)
    return get_student(identity, updated["_id"])


def _visible(identity, student_id):
    student = StudentRepository(identity.scope).get(student_id)
    if student is None or not may_see(identity, student):
        raise not_found("Student")
    return student


def visible_student(identity, student_or_user_id):
    """Resolve a Student id or the student's User id, then apply row-level rules (404 otherwise)."""
    students = StudentRepository(identity.scope)
    student = students.get(student_or_user_id)
    if student is None:
        object_id = parse_object_id(student_or_user_id)
        student = students.find_one({"userId": object_id}) if object_id else None
    if student is None or not may_see(identity, student):
        raise not_found("Student")
    return student


def may_see(identity, student):
    """The row rule: teachers their classrooms', parents their children, students themselves."""
    return {
        STUDENT: student.get("userId") == identity.user_id,
        PARENT: identity.user_id in student.get("guardianUserIds", []),
        TEACHER: student.get("classroomId") in identity.classroom_ids,
    }.get(identity.role, True)
