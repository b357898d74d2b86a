"""Signed, expiring QR payloads binding user, user type, institution and issue time.

Format: base64url(JSON claims) "." base64url(HMAC-SHA256(claims)). Each generation bumps the
user's qrVersion, so regenerating a code invalidates the previous one.
"""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from flask import current_app

from educatenext.auth.roles import ADMIN, TEACHER, canonical_role
from educatenext.platform.http.errors import APIError, not_found
from educatenext.platform.mongo.repository import TenantScope
from educatenext.platform.values import parse_object_id, utcnow
from educatenext.students.repository import StudentRepository
from educatenext.users.repository import UserRepository

MAX_PAYLOAD = 512


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(body):
    key = current_app.config["QR_SECRET"].encode()
    return hmac.new(key, body.encode(), hashlib.sha256).digest()


def generate(identity, user_id, user_type):
    """A new QR payload: your own; admins any user's; teachers their classrooms' students'."""
    target = parse_object_id(user_id)
    if target is None or not _may_generate(identity, target):
        raise not_found("User")
    return issue(identity.scope, target, user_type)


def issue(scope, target, user_type):
    """A new payload for this user of this institution, replacing the previous one."""
    users = UserRepository(scope)
    for _ in range(3):  # another generation for the same user won the version: read again
        user = _active_user(users, target, user_type)
        issued = utcnow()
        code = _code(scope, user, (user.get("qrVersion") or 0) + 1, issued)
        if users.replace_qr_code(user, code["version"], code["qrData"]):
            return code
    raise APIError(409, "CONFLICT", "This user's QR code is being regenerated; try again.")


def current(scope, user, user_type):
    """An active user's stored payload while it validates, else a new one (ID cards show it)."""
    if user.get("qrCode"):
        try:
            claims = signed_claims(user["qrCode"], scope.institution_id)
        except APIError:
            claims = None  # expired (or signed with a rotated secret): issue a new one
        if claims is not None and claims.get("v") == user.get("qrVersion"):
            return _described(user["qrCode"], user, claims)
    return issue(scope, user["_id"], user_type)


def _active_user(users, target, user_type):
    user = users.find_one({"_id": target, "status": "active"})
    if user is None:
        raise not_found("User")
    role = canonical_role(user.get("role"))
    if user_type != role:  # checked before the write: a refused request keeps the old code
        raise APIError(400, "VALIDATION_ERROR", details=[
            {"location": "json", "field": "userType", "message": f"This user is a {role}."}
        ])  # fmt: skip
    return user


def _code(scope, user, version, issued):
    expires = issued + timedelta(seconds=current_app.config["QR_TTL_SECONDS"])
    claims = {
        "uid": str(user["_id"]),
        "typ": canonical_role(user.get("role")),
        "iid": str(scope.institution_id),
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "v": version,
    }
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return _described(f"{body}.{_b64(_signature(body))}", user, claims)


def _described(qr_data, user, claims):
    return {"qrData": qr_data, "userId": str(user["_id"]), "userType": claims["typ"],
            "version": claims["v"], "issuedAt": datetime.fromtimestamp(claims["iat"], UTC),
            "expiresAt": datetime.fromtimestamp(claims["exp"], UTC)}  # fmt: skip


def _may_generate(identity, target):
    """Self, an admin, or a teacher for the account of a student in one of their classrooms."""
    if target == identity.user_id or identity.role == ADMIN:
        return True
    if identity.role != TEACHER or not identity.classroom_ids:
        return False
    taught = {"userId": target, "classroomId": {"$in": list(identity.classroom_ids)}}
    return StudentRepository(identity.scope).find_one(taught, projection={"_id": 1}) is not None


def verify(qr_data, institution_id):
    """The user a payload names, after checking signature, expiry, institution and version."""
    claims = signed_claims(qr_data, institution_id)
    user = UserRepository(TenantScope.of(institution_id)).get(claims.get("uid"))
    if user is None or user.get("status") != "active" or user.get("qrVersion") != claims.get("v"):
        raise APIError(400, "QR_INVALID", "This QR code was replaced or its user is inactive.")
    return user, claims


def signed_claims(qr_data, institution_id):
    """A payload's claims, after checking its signature, expiry and institution."""
    invalid = APIError(400, "QR_INVALID")
    if not isinstance(qr_data, str) or len(qr_data) > MAX_PAYLOAD or qr_data.count(".") != 1:
        raise invalid
    body, signature = qr_data.split(".")
    try:
        given = _unb64(signature)
        claims = json.loads(_unb64(body))
    except ValueError:
        raise invalid from None
    if not hmac.compare_digest(given, _signature(body)) or not isinstance(claims, dict):
        raise invalid
    if claims.get("exp", 0) <= datetime.now(UTC).timestamp():
        raise APIError(400, "QR_EXPIRED")
    if claims.get("iid") != str(institution_id):
        raise APIError(400, "QR_INVALID", "This QR code belongs to another institution.")
    return claims


def describe(qr_data, identity):
    """Validation answer for GET /qr/validate."""
    user, claims = verify(qr_data, identity.institution_id)
    return {
        "valid": True,
        "userId": str(user["_id"]),
        "userType": claims["typ"],
        "name": user.get("name"),
        "institutionId": claims["iid"],
        "issuedAt": datetime.fromtimestamp(claims["iat"], UTC),
        "expiresAt": datetime.fromtimestamp(claims["exp"], UTC),
    }
