"""User management rules: admins manage the users of their own institution."""

from educatenext.auth import identity as auth_identity
from educatenext.auth import service as auth_service
from educatenext.auth.passwords import hash_password, password_problem
from educatenext.errors import APIError, not_found, validation_error
from educatenext.teachers import service as teacher_service
from educatenext.users.repository import UserRepository


def create_user(identity, payload, session=None):
    """Create a user in the caller's institution."""
    return insert_user(identity.scope, payload, session=session)


def insert_user(scope, payload, session=None):
    """Validate the password policy, hash it and store the user in the given tenant."""
    payload = dict(payload)
    password = payload.pop("password")
    problem = password_problem(password, email=payload["email"], name=payload["name"])
    if problem:
        raise validation_error({"json": {"password": [problem]}})
    document = {
        "status": "active",
        "studentId": None,
        "childStudentIds": [],
        "classroomIds": [],
        **payload,
        "passwordHash": hash_password(password),
    }
    return UserRepository(scope, session=session).insert(document)


def list_users(identity, args, page, limit):
    """(users, total) for one page of the institution's users, filtered from the allow-list."""
    repository = UserRepository(identity.scope)
    query = repository.search_filter(
        role=args.get("role"), status=args.get("status"), name_prefix=args.get("q")
    )
    return repository.page(query, sort=args["sort_spec"], page=page, limit=limit)


def get_user(identity, user_id):
    """One user of the caller's institution, or 404."""
    user = UserRepository(identity.scope).get(user_id)
    if user is None:
        raise not_found("User")
    return user


def update_user(identity, user_id, changes):
    """Apply allowed changes; status or role changes take effect on the user's next request."""
    user = get_user(identity, user_id)
    if user["_id"] == identity.user_id and ({"role", "status"} & changes.keys()):
        raise APIError(409, "CONFLICT", "You cannot change your own role or status.")
    updated = UserRepository(identity.scope).update(user["_id"], changes)
    if changes.get("status") == "inactive" and user.get("status") != "inactive":
        auth_service.revoke_all_sessions(user["_id"], "deactivated")
    if {"name", "email"} & changes.keys():
        teacher_service.sync_account(identity.scope, updated)
    auth_identity.forget_user(user["_id"])
    return updated


def deactivate_user(identity, user_id):
    """Deactivate (never delete) a user: history stays, access stops."""
    return update_user(identity, user_id, {"status": "inactive"})
