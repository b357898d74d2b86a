"""Creating an account: the one write every path that makes a user goes through.

Users, teachers, registration, institution sign-up and the bootstrap all create accounts;
they import this module, and it imports none of them.
"""

from educatenext.accounts import links
from educatenext.auth.passwords import hash_password, password_problem
from educatenext.platform.http.errors import validation_error
from educatenext.users.repository import UserRepository


def insert_user(scope, payload, session=None):
    """Check the password policy and links, store the user in the given tenant, mirror links.

    Links are written on the student records too, so pass the caller's transaction when the
    payload has any.
    """
    payload = dict(payload)
    password = payload.pop("password")
    problem = password_problem(password, email=payload["email"], name=payload["name"])
    if problem:
        raise validation_error({"json": {"password": [problem]}})
    student_id, children = links.account_links(payload["role"], payload)
    links.check_account_links(scope, None, student_id, children, session=session)
    document = {
        "status": "active",
        "classroomIds": [],
        **payload,
        "studentId": student_id,
        "childStudentIds": children,
        "passwordHash": hash_password(password),
    }
    user = UserRepository(scope, session=session).insert(document)
    links.mirror_account(scope, user, {}, session)
    return user
