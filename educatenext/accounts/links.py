"""Account links, kept on both sides: a student account <-> its student record, a parent <->
their children.

The auth context reads the account's side (user.studentId, user.childStudentIds); row-level
visibility reads the record's side (student.userId, student.guardianUserIds). Every path that
writes a link (users, invitations + register, students) checks it here and mirrors it here,
inside the caller's transaction, so the two sides cannot disagree.
"""

from educatenext.auth.identity import forget_user
from educatenext.auth.roles import PARENT, STUDENT, canonical_role
from educatenext.platform.http.errors import APIError, validation_error
from educatenext.students.repository import StudentRepository
from educatenext.users.repository import UserRepository

ACCOUNT_LINK_FIELDS = ("studentId", "childStudentIds")


def _invalid(field, message):
    return validation_error({"json": {field: [message]}})


def account_links(role, changes, before=None):
    """The account's links after changes: (studentId, childStudentIds), checked against role.

    A link that does not fit the role is refused when asked for, and dropped when the role
    changes away from the one it belongs to.
    """
    before = before or {}
    role = canonical_role(role)
    student_id = changes.get("studentId", before.get("studentId"))
    children = list(changes.get("childStudentIds", before.get("childStudentIds") or []))
    if role != STUDENT:
        if changes.get("studentId") is not None:
            raise _invalid("studentId", "Only a student account links to a student record.")
        student_id = None
    if role != PARENT:
        if changes.get("childStudentIds"):
            raise _invalid("childStudentIds", "Only a parent account has children.")
        children = []
    return student_id, list(dict.fromkeys(children))


def check_account_links(scope, user_id, student_id, children, session=None):
    """The record exists in this school with no other account; every child exists."""
    students = StudentRepository(scope, session=session)
    if student_id is not None:
        record = students.get(student_id, projection={"userId": 1})
        if record is None:
            raise _invalid("studentId", "No such student in this institution.")
        if record.get("userId") not in (None, user_id):
            raise APIError(409, "CONFLICT", "That student record already has an account.")
    if children:
        found = students.find({"_id": {"$in": children}}, projection={"_id": 1})
        missing = set(children) - {doc["_id"] for doc in found}
        if missing:
            raise _invalid(
                "childStudentIds", f"No such student in this institution: {min(map(str, missing))}."
            )


def check_record_links(scope, student_id, changes, session=None):
    """userId is a student account with no other record; guardianUserIds are parent accounts."""
    users = UserRepository(scope, session=session)
    if changes.get("userId") is not None:
        user = users.get(changes["userId"])
        if user is None or canonical_role(user.get("role")) != STUDENT:
            raise _invalid("userId", "Not a student user of this institution.")
        other = StudentRepository(scope, session=session).find_one({"userId": user["_id"]})
        if other is not None and other["_id"] != student_id:
            raise APIError(409, "CONFLICT", "That account is already linked to another student.")
    for guardian_id in changes.get("guardianUserIds", []):
        user = users.get(guardian_id)
        if user is None or canonical_role(user.get("role")) != PARENT:
            raise _invalid("guardianUserIds", f"{guardian_id} is not a parent user.")


def mirror_account(scope, user, before, session):
    """Write an account's links onto the student records they name (and off the old ones)."""
    students = StudentRepository(scope, session=session)
    user_id = user["_id"]
    old_record, new_record = before.get("studentId"), user.get("studentId")
    if old_record and old_record != new_record:
        students.update(old_record, {"userId": None}, extra_filter={"userId": user_id})
    if new_record and new_record != old_record:
        linked = students.update(
            new_record, {"userId": user_id}, extra_filter={"userId": {"$in": [None, user_id]}}
        )
        if linked is None:  # another account took the record since the check
            raise APIError(409, "CONFLICT", "That student record already has an account.")
    old_children = set(before.get("childStudentIds") or [])
    new_children = set(user.get("childStudentIds") or [])
    for child in old_children - new_children:
        students.remove_from_list(child, "guardianUserIds", user_id)
    for child in new_children - old_children:
        students.add_to_list(child, "guardianUserIds", user_id)


def mirror_record(scope, student, before, session):
    """Write a student record's links onto the accounts they name (and off the old ones)."""
    users = UserRepository(scope, session=session)
    old_account, new_account = before.get("userId"), student.get("userId")
    if old_account and old_account != new_account:
        users.update(old_account, {"studentId": None}, extra_filter={"studentId": student["_id"]})
    if new_account:
        users.update(new_account, {"studentId": student["_id"]})
    old_guardians = set(before.get("guardianUserIds") or [])
    new_guardians = set(student.get("guardianUserIds") or [])
    for parent_id in old_guardians - new_guardians:
        users.remove_from_list(parent_id, "childStudentIds", student["_id"])
    for parent_id in new_guardians - old_guardians:
        users.add_to_list(parent_id, "childStudentIds", student["_id"])


def forget_record_accounts(student, before):
    """Drop the cached auth context of every account a record's link change touched."""
    accounts = {before.get("userId"), student.get("userId")}
    accounts |= set(before.get("guardianUserIds") or []) | set(student.get("guardianUserIds") or [])
    for user_id in accounts - {None}:
        forget_user(user_id)
