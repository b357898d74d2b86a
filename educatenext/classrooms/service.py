"""Classroom rules: a primary teacher from this school, capacity never below enrollment."""

from educatenext.auth.identity import forget_user
from educatenext.auth.roles import TEACHER
from educatenext.caching import value_memos
from educatenext.classrooms.repository import ClassroomRepository
from educatenext.platform.http.errors import APIError, not_found, validation_error
from educatenext.platform.mongo.transactions import in_transaction
from educatenext.subjects.repository import SubjectRepository
from educatenext.teachers.repository import TeacherRepository
from educatenext.users.repository import UserRepository


def classroom_names(scope, classroom_ids):
    """{id: name} for these classrooms of the scope: from the worker's memo, else one query.

    Every page of students names their classrooms; the memo (checked against the
    classrooms' generation tokens) spares that query when the names are known.
    """
    ids = sorted({i for i in classroom_ids if i is not None})
    if not ids:
        return {}
    repository = ClassroomRepository(scope)
    if scope.platform:
        return repository.names_of(ids)  # memos are per school
    return value_memos.memo(repository.collection_name).lookup(
        scope.institution_id, ids, repository.names_of
    )


def visible_filter(identity):
    """Teachers see their classrooms; admins, finance and cashiers see all."""
    return {"teacher_user_id": identity.user_id} if identity.role == TEACHER else {}


def create_classroom(identity, payload):
    """Create a classroom and link its primary teacher, in one transaction."""
    _check_subjects(identity, payload.get("subjectIds", []))
    teacher = _teacher(identity, payload.get("primaryTeacherId"))

    def write(session):
        classroom = ClassroomRepository(identity.scope, session=session).insert(
            {
                "subjectIds": [],
                "primaryTeacherId": None,
                **payload,
                "status": "active",
                "enrolledCount": 0,
                "teacherUserIds": [teacher["userId"]] if teacher else [],
            }
        )
        if teacher:
            _link(identity, teacher, classroom["_id"], session)
        return classroom

    classroom = in_transaction(write)
    if teacher:
        forget_user(teacher["userId"])
    return classroom


def list_classrooms(identity, args, page, limit):
    """(classrooms, total) visible to the caller."""
    repository = ClassroomRepository(identity.scope)
    query = repository.list_filter(
        **visible_filter(identity),
        academic_year=args.get("academicYear"),
        status=args.get("status"),
        name_prefix=args.get("q"),
    )
    return repository.page(query, sort=args["sort_spec"], page=page, limit=limit)


def get_classroom(identity, classroom_id):
    """One classroom the caller may see, or 404."""
    classroom = ClassroomRepository(identity.scope).get(classroom_id)
    if classroom is None:
        raise not_found("Classroom")
    if identity.role == TEACHER and identity.user_id not in classroom.get("teacherUserIds", []):
        raise not_found("Classroom")
    return classroom


def update_classroom(identity, classroom_id, changes):
    """Apply changes; moving the primary teacher relinks both teachers."""
    classroom = get_classroom(identity, classroom_id)
    if changes.get("capacity", classroom["capacity"]) < classroom.get("enrolledCount", 0):
        raise APIError(409, "CONFLICT", "Capacity cannot be below the number of enrolled students.")
    _check_subjects(identity, changes.get("subjectIds", []))
    changes = dict(changes)
    touched = []
    if "primaryTeacherId" in changes and changes["primaryTeacherId"] != classroom.get(
        "primaryTeacherId"
    ):
        new_teacher = _teacher(identity, changes["primaryTeacherId"])
        old_teacher = _teacher(identity, classroom.get("primaryTeacherId"), required=False)
        changes["teacherUserIds"] = [new_teacher["userId"]] if new_teacher else []
        touched = [t["userId"] for t in (new_teacher, old_teacher) if t]
    else:
        new_teacher = old_teacher = None

    def write(session):
        if old_teacher:
            _unlink(identity, old_teacher, classroom["_id"], session)
        if new_teacher:
            _link(identity, new_teacher, classroom["_id"], session)
        return ClassroomRepository(identity.scope, session=session).update(
            classroom["_id"], changes
        )

    updated = in_transaction(write)
    for user_id in touched:
        forget_user(user_id)
    return updated


def _teacher(identity, teacher_id, required=True):
    """The active teacher profile named by id; 400 when unknown (None when no id)."""
    if teacher_id is None:
        return None
    teacher = TeacherRepository(identity.scope).get(teacher_id)
    if teacher is None and required:
        raise validation_error({"json": {"primaryTeacherId": ["Unknown teacher."]}})
    return teacher


def _link(identity, teacher, classroom_id, session):
    TeacherRepository(identity.scope, session=session).add_classroom(teacher["_id"], classroom_id)
    UserRepository(identity.scope, session=session).add_to_list(
        teacher["userId"], "classroomIds", classroom_id
    )


def _unlink(identity, teacher, classroom_id, session):
    TeacherRepository(identity.scope, session=session).remove_classroom(
        teacher["_id"], classroom_id
    )
    UserRepository(identity.scope, session=session).remove_from_list(
        teacher["userId"], "classroomIds", classroom_id
    )


def _check_subjects(identity, subject_ids):
    missing = SubjectRepository(identity.scope).missing_ids(subject_ids) if subject_ids else []
    if missing:
        raise validation_error({"json": {"subjectIds": [f"Unknown subject {i}." for i in missing]}})
