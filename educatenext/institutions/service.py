"""Institution rules: super-admins manage schools; everyone else sees only their own."""

from bson import ObjectId

from educatenext.accounts.service import insert_user
from educatenext.auth import service as auth_service
from educatenext.auth.identity import forget_user
from educatenext.auth.roles import ADMIN, SUPER_ADMIN
from educatenext.fees.repository import FeeStructureRepository
from educatenext.institutions.repository import InstitutionRepository
from educatenext.platform.http.errors import APIError, not_found
from educatenext.platform.mongo.repository import TenantScope
from educatenext.platform.mongo.transactions import in_transaction
from educatenext.users.repository import UserRepository


def scope_for(identity):
    """Super-admins see every institution; others only their own."""
    if identity.role == SUPER_ADMIN:
        return TenantScope.platform_wide()
    return identity.scope


def create_institution(payload):
    """Create an institution and, optionally, its first admin, in one transaction."""
    payload = dict(payload)
    admin_payload = payload.pop("admin", None)
    institution_id = ObjectId()
    scope = TenantScope.of(institution_id)

    def write(session):
        institution = InstitutionRepository(scope, session=session).insert(
            {"_id": institution_id, "status": "active", **payload}
        )
        admin = None
        if admin_payload:
            admin = insert_user(scope, {**admin_payload, "role": ADMIN}, session=session)
        return institution, admin

    return in_transaction(write)


def list_institutions(identity, args, page, limit):
    """(institutions, total) visible to the caller."""
    query = {"status": args["status"]} if args.get("status") else {}
    return InstitutionRepository(scope_for(identity)).page(
        query, sort=[("name", 1), ("_id", 1)], page=page, limit=limit
    )


def get_institution(identity, institution_id):
    """One institution the caller may see, or 404."""
    institution = InstitutionRepository(scope_for(identity)).get(institution_id)
    if institution is None:
        raise not_found("Institution")
    return institution


def update_institution(identity, institution_id, changes):
    """Admins edit their own school's details; only super-admins change its status."""
    institution = get_institution(identity, institution_id)
    if "status" in changes and identity.role != SUPER_ADMIN:
        raise APIError(
            403, "FORBIDDEN", "Only a platform super-admin changes an institution's status."
        )
    if changes.get("currency", institution.get("currency")) != institution.get("currency"):
        school = TenantScope.of(institution["_id"])
        if FeeStructureRepository(school).find_one({}, projection={"_id": 1}) is not None:
            raise APIError(409, "CONFLICT", "The currency is fixed once fees are set up.")
    if "mfaRequiredRoles" in changes:
        changes = {**changes, "mfaRequiredRoles": sorted(set(changes["mfaRequiredRoles"]))}
    updated = InstitutionRepository(scope_for(identity)).update(institution["_id"], changes)
    if changes.get("status") == "inactive":
        _revoke_members(institution["_id"])
    elif "status" in changes:
        _forget_members(institution["_id"])
    return updated


def deactivate_institution(identity, institution_id):
    """Deactivate a school: its users can no longer sign in; nothing is deleted."""
    return update_institution(identity, institution_id, {"status": "inactive"})


def _member_ids(institution_id):
    users = UserRepository(TenantScope.of(institution_id))
    return [user["_id"] for user in users.find(projection={"_id": 1})]


def _revoke_members(institution_id):
    """End every session of the school's users."""
    for user_id in _member_ids(institution_id):
        auth_service.revoke_all_sessions(user_id, "institution_deactivated")


def _forget_members(institution_id):
    """Drop cached auth contexts so a status change applies on the next request."""
    for user_id in _member_ids(institution_id):
        forget_user(user_id)
