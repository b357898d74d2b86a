"""Who is calling: token verification plus the per-request auth context (cached in Redis)."""

import logging
import time
from dataclasses import dataclass, field

import jwt
import redis
from bson import ObjectId
from flask import current_app, request

from educatenext.auth.repository import SessionRepository
from educatenext.auth.roles import SUPER_ADMIN, canonical_role
from educatenext.auth.tokens import decode_access_token, decode_purpose_token
from educatenext.caching import responses
from educatenext.extensions import cache
from educatenext.institutions.repository import InstitutionRepository
from educatenext.platform import request_state
from educatenext.platform.http.errors import APIError
from educatenext.platform.mongo.repository import TenantScope
from educatenext.platform.values import parse_object_id
from educatenext.users.repository import UserRepository

log = logging.getLogger(__name__)

ACTIVE = "active"
# Purposes of the short-lived tokens that are not access tokens (auth.tokens.purpose_audience).
MFA_CHALLENGE = "mfa-challenge"
MFA_ENROLMENT = "mfa-enrolment"


@dataclass(frozen=True)
class Identity:
    """The authenticated caller: enough for permission, tenancy and row-level rules."""

    user_id: ObjectId
    institution_id: ObjectId | None
    role: str
    name: str
    email: str
    session_id: ObjectId
    student_id: ObjectId | None = None
    child_student_ids: tuple = field(default_factory=tuple)
    classroom_ids: tuple = field(default_factory=tuple)
    # An enrolment-only caller: MFA is required of them, not set up yet, and they hold no session.
    enrolling: bool = False

    @property
    def scope(self):
        """The tenant scope of this caller's requests."""
        if self.institution_id is None:
            raise APIError(403, "FORBIDDEN", "This action needs an institution account.")
        return TenantScope.of(self.institution_id)


def current_identity():
    """The authenticated caller of this request (routes that declare roles always have one)."""
    return request_state.current().identity


def bearer_token(req=request):
    """The access token from Authorization: Bearer or x-auth-token (web app)."""
    header = req.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return req.headers.get("x-auth-token", "").strip() or None


def unauthorized(message="Authentication required."):
    """A 401 envelope with the standard challenge."""
    return APIError(401, "UNAUTHORIZED", message, headers={"WWW-Authenticate": "Bearer"})


def authenticate():
    """Verify the token, load the auth context, keep the identity; 401 when anything is off."""
    token = bearer_token()
    if token is None:
        raise unauthorized()
    state = request_state.current()
    claims = state.verified_claims
    if claims is None:
        try:
            claims = decode_access_token(token)
        except jwt.InvalidTokenError:
            if _purpose_claims(token, MFA_ENROLMENT) is not None:
                raise APIError(403, "MFA_ENROLMENT_REQUIRED",
                               "Set up two-factor authentication first.") from None  # fmt: skip
            raise unauthorized("Invalid or expired token.") from None
        state.verified_claims = claims  # the rate limiter keys on them too: decode once
    user_id = parse_object_id(claims["sub"])
    session_id = parse_object_id(claims.get("sid"))
    if user_id is None or session_id is None:
        raise unauthorized("Invalid or expired token.")
    context = load_auth_context(user_id, session_id, responses.prefetch_keys(claims))
    if context is None:
        raise unauthorized("Session is no longer valid.")
    state.identity = identity_from_context(context, session_id)
    return state.identity


def authenticate_enrolling():
    """The caller of an enrolment-only token, or None when the token is not one."""
    token = bearer_token()
    claims = _purpose_claims(token, MFA_ENROLMENT) if token else None
    if claims is None:
        return None
    user_id = parse_object_id(claims["sub"])
    context = build_user_context(user_id) if user_id else {"active": False}
    if not context["active"]:
        raise unauthorized("Session is no longer valid.")
    state = request_state.current()
    state.identity = Identity(
        user_id=user_id,
        institution_id=ObjectId(context["institutionId"]) if context["institutionId"] else None,
        role=context["role"],
        name=context["name"],
        email=context["email"],
        session_id=None,
        enrolling=True,
    )
    return state.identity


def _purpose_claims(token, purpose):
    """The claims of a valid token of this purpose, else None."""
    try:
        return decode_purpose_token(token, purpose)
    except jwt.InvalidTokenError:
        return None


def user_cache_key(user_id):
    """Cache key of a user's auth context."""
    return f"auth:user:{user_id}"


def session_cache_key(session_id):
    """Cache key of a session's state."""
    return f"auth:sess:{session_id}"


def load_auth_context(user_id, session_id, extra_keys=()):
    """{user, session} for an active user and live session, or None; one Redis trip when cached.

    extra_keys (the response cache's entry and generations) ride on the same round trip, and
    nothing already fetched in this request (by the cache fast lane) is read again.
    """
    keys = [user_cache_key(user_id), session_cache_key(session_id)]
    fetched = responses.prefetched_values([*keys, *extra_keys])
    user_part, session_part = fetched.get(keys[0]), fetched.get(keys[1])
    fresh = {}
    if user_part is None:
        user_part = build_user_context(user_id)
        fresh[keys[0]] = user_part
    if session_part is None:
        session_part = build_session_context(session_id)
        fresh[keys[1]] = session_part
    if fresh:
        try:
            cache.set_many(fresh, timeout=current_app.config["AUTH_CACHE_TTL_SECONDS"])
        except redis.RedisError:
            log.warning("auth cache unavailable; served from MongoDB")
    return context_from_parts(user_part, session_part, user_id)


def context_from_parts(user_part, session_part, user_id):
    """{user, session} when both parts are there, active and the session is the user's."""
    if user_part is None or session_part is None:
        return None
    if not user_part.get("active") or not session_part.get("active"):
        return None
    if session_part["userId"] != str(user_id) or session_part["expiresAt"] <= time.time():
        return None
    return {"user": user_part, "session": session_part}


def build_user_context(user_id):
    """The cacheable facts about a user (plain types only), from MongoDB."""
    user = UserRepository(TenantScope.platform_wide()).get(user_id)
    institution_id = (user or {}).get("institutionId")
    institution = None
    if institution_id is not None:
        institution = InstitutionRepository(TenantScope.of(institution_id)).get(institution_id)
    return user_context(user, institution)


def user_context(user, institution):
    """The cacheable facts about a user, from their document and their institution's."""
    if user is None or user.get("status") != ACTIVE:
        return {"active": False}
    institution_id = user.get("institutionId")
    if institution_id is not None and (institution is None or institution.get("status") != ACTIVE):
        return {"active": False}
    return {
        "active": True,
        "institutionId": str(institution_id) if institution_id else None,
        "role": canonical_role(user.get("role")),
        "name": user.get("name", ""),
        "email": user.get("email", ""),
        "studentId": str(user["studentId"]) if user.get("studentId") else None,
        "childStudentIds": [str(i) for i in user.get("childStudentIds", [])],
        "classroomIds": [str(i) for i in user.get("classroomIds", [])],
    }


def build_session_context(session_id):
    """The cacheable state of a session, from MongoDB."""
    return session_context(SessionRepository(TenantScope.platform_wide()).get(session_id))


def session_context(session):
    """The cacheable state of a session, from its document."""
    if session is None or session.get("revokedAt") is not None:
        return {"active": False}
    return {
        "active": True,
        "userId": str(session["userId"]),
        "expiresAt": session["expiresAt"].timestamp(),
    }


def remember_auth_context(user, institution, session):
    """Cache the context of a session just issued tokens, from the documents that vetted it.

    Its first request (an app's first screen, right after login) then reads the user, the
    institution and the session from Redis rather than from MongoDB. Changes delete the keys
    (forget_user, forget_sessions); as with a context cached by load_auth_context, one that
    lands between the documents' read and this write is bounded by AUTH_CACHE_TTL_SECONDS.
    """
    fresh = {
        user_cache_key(user["_id"]): user_context(user, institution),
        session_cache_key(session["_id"]): session_context(session),
    }
    try:
        cache.set_many(fresh, timeout=current_app.config["AUTH_CACHE_TTL_SECONDS"])
    except redis.RedisError:
        log.warning("auth cache unavailable; the first request reads MongoDB")


def identity_from_context(context, session_id):
    """Build the Identity from a (possibly cached) context."""
    user = context["user"]
    return Identity(
        user_id=ObjectId(context["session"]["userId"]),
        institution_id=ObjectId(user["institutionId"]) if user["institutionId"] else None,
        role=user["role"],
        name=user["name"],
        email=user["email"],
        session_id=session_id,
        student_id=ObjectId(user["studentId"]) if user["studentId"] else None,
        child_student_ids=tuple(ObjectId(i) for i in user["childStudentIds"]),
        classroom_ids=tuple(ObjectId(i) for i in user["classroomIds"]),
    )


def forget_user(user_id):
    """Drop a user's cached context after any change to them."""
    _forget(user_cache_key(user_id))


def forget_sessions(session_ids):
    """Drop cached session states after revocation."""
    for session_id in session_ids:
        _forget(session_cache_key(session_id))


def _forget(key):
    """Delete a cache key; if Redis refuses, the short TTL bounds the staleness."""
    try:
        cache.delete(key)
    except redis.RedisError:
        log.error("could not invalidate %s; it expires within the auth cache TTL", key)


def is_platform_admin(identity):
    """True for the platform's super-admin."""
    return identity.role == SUPER_ADMIN
