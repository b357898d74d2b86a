"""Enrollment rules: both sides in this school, one active enrollment per student, capacity."""

from pymongo.errors import DuplicateKeyError

from educatenext.auth.roles import TEACHER
from educatenext.classrooms.repository import ClassroomRepository
from educatenext.enrollments.repository import EnrollmentRepository
from educatenext.platform.http.errors import APIError, not_found, validation_error
from educatenext.platform.mongo.transactions import in_transaction
from educatenext.platform.values import today
from educatenext.students.repository import StudentRepository


def enroll(scope, student, classroom_id, start_date, session):
    """Inside a transaction: take a seat, record the enrollment, point the student at it."""
    enrollments = EnrollmentRepository(scope, session=session)
    if earlier := enrollments.resumed_insert():
        return earlier  # committed with its seat and the student's classroom
    if enrollments.active_for(student["_id"]) is not None:
        raise APIError(409, "ALREADY_ENROLLED")  # the unique index still guards races
    classrooms = ClassroomRepository(scope, session=session)
    classroom = classrooms.take_seat(classroom_id)
    if classroom is None:
        if classrooms.get(classroom_id) is None:
            raise validation_error({"json": {"classroomId": ["Unknown classroom."]}})
        raise APIError(409, "CLASSROOM_FULL")
    try:
        enrollment = enrollments.insert(
            {
                "studentId": student["_id"],
                "classroomId": classroom_id,
                "academicYear": classroom["academicYear"],
                "status": "active",
                "startDate": start_date,
                "endDate": None,
                "reason": None,
            }
        )
    except DuplicateKeyError:
        raise APIError(409, "ALREADY_ENROLLED") from None
    StudentRepository(scope, session=session).update(student["_id"], {"classroomId": classroom_id})
    return enrollment


def end_enrollment(scope, enrollment, status, end_date, reason, session, transferred_to=None):
    """Inside a transaction: close an active enrollment and give its seat back."""
    changes = {"status": status, "endDate": end_date, "reason": reason}
    if transferred_to is not None:
        changes["transferredTo"] = transferred_to
    updated = EnrollmentRepository(scope, session=session).update(
        enrollment["_id"], changes, extra_filter={"status": "active"}
    )
    if updated is None:
        raise APIError(409, "CONFLICT", "This enrollment is no longer active.")
    ClassroomRepository(scope, session=session).free_seat(enrollment["classroomId"])
    StudentRepository(scope, session=session).update(enrollment["studentId"], {"classroomId": None})
    return updated


def create_enrollment(identity, payload):
    """Enroll one student (transaction: seat, enrollment, student's classroom)."""
    student = _active_student(identity, payload["studentId"])
    start = payload.get("startDate") or today()

    def write(session):
        return enroll(identity.scope, student, payload["classroomId"], start, session)

    return in_transaction(write)


def bulk_enroll(identity, payload):
    """Enroll many students into one classroom; one result per student, in request order.

    Checks are made for the whole list at once and every accepted student is written in a
    single transaction (a few round trips instead of several per student). If that
    transaction loses a race (seats taken or a student enrolled meanwhile), each student is
    retried on its own so every result stays exact.
    """
    start = payload.get("startDate") or today()
    classroom_id = payload["classroomId"]
    results, accepted = _precheck(identity, classroom_id, payload["studentIds"])
    if accepted:
        try:
            enrollments = in_transaction(
                lambda session: _enroll_batch(identity, classroom_id, accepted, start, session)
            )
        except (APIError, DuplicateKeyError):
            enrollments = None
        for student_id in accepted:
            if enrollments is not None:
                results[student_id] = _enrolled(student_id, enrollments[student_id])
            else:
                results[student_id] = _enroll_one(identity, student_id, classroom_id, start)
    return [results[student_id] for student_id in payload["studentIds"]]


def _precheck(identity, classroom_id, student_ids):
    """Per-student verdicts from three queries; returns (results so far, accepted ids)."""
    unique_ids = list(dict.fromkeys(student_ids))
    students = {
        s["_id"]: s for s in StudentRepository(identity.scope).find({"_id": {"$in": unique_ids}})
    }
    already = EnrollmentRepository(identity.scope).active_student_ids(unique_ids)
    classroom = ClassroomRepository(identity.scope).get(classroom_id)
    free = 0
    if classroom is not None and classroom.get("status") == "active":
        free = classroom["capacity"] - classroom.get("enrolledCount", 0)
    results, accepted = {}, []
    for student_id in unique_ids:
        student = students.get(student_id)
        if classroom is None:
            error = validation_error({"json": {"classroomId": ["Unknown classroom."]}})
        elif student is None:
            error = validation_error({"json": {"studentId": ["Unknown student."]}})
        elif student.get("status") != "active":
            error = APIError(409, "CONFLICT", "Only active students can be enrolled.")
        elif student_id in already:
            error = APIError(409, "ALREADY_ENROLLED")
        elif len(accepted) >= free:
            error = APIError(409, "CLASSROOM_FULL")
        else:
            accepted.append(student_id)
            continue
        results[student_id] = _failed(student_id, error)
    return results, accepted


def _enroll_batch(identity, classroom_id, student_ids, start, session):
    """Inside one transaction: take all seats, insert all enrollments, point the students."""
    classroom = ClassroomRepository(identity.scope, session=session).take_seat(
        classroom_id, len(student_ids)
    )
    if classroom is None:
        raise APIError(409, "CLASSROOM_FULL")
    common = {
        "classroomId": classroom_id,
        "academicYear": classroom["academicYear"],
        "status": "active",
    }
    documents = [
        {**common, "studentId": student_id, "startDate": start, "endDate": None, "reason": None}
        for student_id in student_ids
    ]
    inserted = EnrollmentRepository(identity.scope, session=session).insert_many(documents)
    StudentRepository(identity.scope, session=session).update_many(
        {"_id": {"$in": list(student_ids)}}, {"classroomId": classroom_id}
    )
    return {document["studentId"]: document for document in inserted}


def _enroll_one(identity, student_id, classroom_id, start):
    """The per-student path (fallback after a lost race)."""
    try:
        enrollment = create_enrollment(
            identity, {"studentId": student_id, "classroomId": classroom_id, "startDate": start}
        )
    except APIError as error:
        return _failed(student_id, error)
    return _enrolled(student_id, enrollment)


def _enrolled(student_id, enrollment):
    return {"studentId": str(student_id), "status": "enrolled", "id": str(enrollment["_id"])}


def _failed(student_id, error):
    return {
        "studentId": str(student_id),
        "status": "error",
        "error": {"code": error.code, "message": error.message},
    }


def withdraw(identity, enrollment_id, payload):
    """End an active enrollment."""
    enrollment = get_enrollment(identity, enrollment_id)
    end = payload.get("endDate") or today()

    def write(session):
        return end_enrollment(
            identity.scope, enrollment, "withdrawn", end, payload.get("reason"), session
        )

    return in_transaction(write)


def transfer(identity, enrollment_id, payload):
    """Close this enrollment as transferred and open one in the new classroom, atomically."""
    enrollment = get_enrollment(identity, enrollment_id)
    student = _active_student(identity, enrollment["studentId"])
    when = payload.get("date") or today()
    if payload["classroomId"] == enrollment["classroomId"]:
        raise validation_error({"json": {"classroomId": ["Already in this classroom."]}})

    def write(session):
        end_enrollment(
            identity.scope, enrollment, "transferred", when, payload.get("reason"), session,
            transferred_to=payload["classroomId"],
        )  # fmt: skip
        return enroll(identity.scope, student, payload["classroomId"], when, session)

    return in_transaction(write)


def list_enrollments(identity, args, page, limit):
    """(enrollments, total): admins see all; teachers their classrooms'."""
    repository = EnrollmentRepository(identity.scope)
    classroom_id = args.get("classroomId")
    classroom_ids = None
    if identity.role == TEACHER:
        if classroom_id is not None and classroom_id not in identity.classroom_ids:
            return [], 0
        classroom_ids = identity.classroom_ids
    query = repository.list_filter(
        classroom_ids=classroom_ids, classroom_id=classroom_id,
        student_id=args.get("studentId"), status=args.get("status"),
    )  # fmt: skip
    return repository.page(query, sort=args["sort_spec"], page=page, limit=limit)


def get_enrollment(identity, enrollment_id):
    """One enrollment the caller may see, or 404."""
    enrollment = EnrollmentRepository(identity.scope).get(enrollment_id)
    if enrollment is None:
        raise not_found("Enrollment")
    if identity.role == TEACHER and enrollment["classroomId"] not in identity.classroom_ids:
        raise not_found("Enrollment")
    return enrollment


def _active_student(identity, student_id):
    student = StudentRepository(identity.scope).get(student_id)
    if student is None:
        raise validation_error({"json": {"studentId": ["Unknown student."]}})
    if student.get("status") != "active":
        raise APIError(409, "CONFLICT", "Only active students can be enrolled.")
    return student
