"""Teacher rules: one profile per teacher user; the name comes from the account."""

from educatenext.accounts.service import insert_user
from educatenext.auth.roles import TEACHER, canonical_role
from educatenext.platform.http.errors import not_found, validation_error
from educatenext.platform.mongo.transactions import in_transaction
from educatenext.subjects.repository import SubjectRepository
from educatenext.teachers.repository import TeacherRepository
from educatenext.users.repository import UserRepository


def create_teacher(identity, payload):
    """Create the profile, and the account when none is named, in one transaction."""
    payload = dict(payload)
    _check_subjects(identity, payload.get("subjectIds", []))
    account = {key: payload.pop(key) for key in ("name", "email", "password") if key in payload}

    def write(session):
        users = UserRepository(identity.scope, session=session)
        if "userId" in payload:
            user = users.get(payload["userId"])
            if user is None or canonical_role(user.get("role")) != TEACHER:
                raise validation_error(
                    {"json": {"userId": ["Not a teacher user of this institution."]}}
                )
        else:
            user = insert_user(identity.scope, {**account, "role": TEACHER}, session=session)
        return TeacherRepository(identity.scope, session=session).insert(
            {
                "qualifications": [],
                "subjectIds": [],
                "classroomIds": [],
                "status": "active",
                **payload,
                "userId": user["_id"],
                "name": user["name"],
                "email": user["email"],
            }
        )

    return in_transaction(write)


def list_teachers(identity, args, page, limit):
    """(teachers, total) for one page."""
    repository = TeacherRepository(identity.scope)
    query = repository.list_filter(status=args.get("status"), name_prefix=args.get("q"))
    return repository.page(query, sort=args["sort_spec"], page=page, limit=limit)


def get_teacher(identity, teacher_id):
    """One teacher of the caller's institution, or 404."""
    teacher = TeacherRepository(identity.scope).get(teacher_id)
    if teacher is None:
        raise not_found("Teacher")
    return teacher


def update_teacher(identity, teacher_id, changes):
    """Apply profile changes."""
    teacher = get_teacher(identity, teacher_id)
    _check_subjects(identity, changes.get("subjectIds", []))
    return TeacherRepository(identity.scope).update(teacher["_id"], changes)


def sync_account(scope, user):
    """Copy a changed account name/email onto the teacher profile, if there is one."""
    repository = TeacherRepository(scope)
    teacher = repository.by_user(user["_id"])
    if teacher is not None:
        repository.update(teacher["_id"], {"name": user["name"], "email": user["email"]})


def _check_subjects(identity, subject_ids):
    missing = SubjectRepository(identity.scope).missing_ids(subject_ids) if subject_ids else []
    if missing:
        raise validation_error({"json": {"subjectIds": [f"Unknown subject {i}." for i in missing]}})
