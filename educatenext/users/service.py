"""User management rules: admins manage the users of their own institution."""

from educatenext.accounts import links
from educatenext.accounts.service import insert_user
from educatenext.auth import service as auth_service
from educatenext.auth.identity import forget_user
from educatenext.platform.http.errors import APIError, not_found
from educatenext.platform.mongo.transactions import in_transaction
from educatenext.teachers import service as teacher_service
from educatenext.users.repository import UserRepository


def create_user(identity, payload):
    """Create a user in the caller's institution, linked both ways to the records it names."""
    user = in_transaction(lambda session: insert_user(identity.scope, payload, session=session))
    forget_user(user["_id"])
    return user


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
    changes = dict(changes)
    student_id, children = links.account_links(changes.get("role", user["role"]), changes, user)
    if student_id != user.get("studentId"):
        changes["studentId"] = student_id
    if children != list(user.get("childStudentIds") or []):
        changes["childStudentIds"] = children
    links.check_account_links(identity.scope, user["_id"], student_id, children)

    def write(session):
        updated = UserRepository(identity.scope, session=session).update(user["_id"], changes)
        if updated is None:
            raise not_found("User")
        links.mirror_account(identity.scope, updated, user, session)
        return updated

    updated = in_transaction(write)
    if changes.get("status") == "inactive" and user.get("status") != "inactive":
        auth_service.revoke_all_sessions(user["_id"], "deactivated")
    if {"name", "email"} & changes.keys():
        teacher_service.sync_account(identity.scope, updated)
    forget_user(user["_id"])
    return updated


def deactivate_user(identity, user_id):
    """Deactivate (never delete) a user: history stays, access stops."""
    return update_user(identity, user_id, {"status": "inactive"})
