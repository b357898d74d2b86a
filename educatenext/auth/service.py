"""Authentication rules: login, token rotation with reuse detection, logout, password change."""

import logging
from datetime import timedelta

from flask import current_app, request

from educatenext.accounts.service import insert_user
from educatenext.audit.recorder import security_event
from educatenext.auth import identity as auth_identity
from educatenext.auth.identity import MFA_CHALLENGE, MFA_ENROLMENT
from educatenext.auth.passwords import (
    burn_verification_time,
    hash_password,
    password_problem,
    verify_password,
)
from educatenext.auth.repository import (
    LoginThrottleRepository,
    RefreshTokenRepository,
    SessionRepository,
)
from educatenext.auth.roles import SUPER_ADMIN, canonical_role
from educatenext.auth.tokens import (
    hash_token,
    issue_access_token,
    issue_purpose_token,
    new_opaque_token,
)
from educatenext.institutions.repository import InstitutionRepository
from educatenext.invitations import service as invitation_service
from educatenext.mfa.repository import MfaFactorRepository
from educatenext.platform.http.errors import APIError, validation_error
from educatenext.platform.mongo.repository import TenantScope
from educatenext.platform.mongo.transactions import in_transaction
from educatenext.platform.values import utcnow
from educatenext.users.repository import UserRepository

log = logging.getLogger(__name__)
security_log = logging.getLogger("educatenext.security")

PLATFORM = TenantScope.platform_wide()
INVALID_CREDENTIALS = "Invalid email or password."
LINK_FIELDS = ("studentId", "childStudentIds", "classroomIds")


def normalise_email(email):
    """Emails are compared and stored lowercased and trimmed."""
    return email.strip().lower()


def login(email, password):
    """Verify credentials (no enumeration, constant work), then the second factor's turn.

    Users with MFA get an mfaToken for POST /auth/mfa and keep their failure count until the
    code is right (a known password alone never resets it); users a policy requires MFA of
    who have not set it up get an enrolment-only token; everyone else a session.
    """
    email = normalise_email(email)
    throttle_key = login_throttle_key(email)
    refuse_if_locked(throttle_key)
    user = UserRepository(PLATFORM).by_email(email)
    if user is None:
        burn_verification_time(password)
        matches = needs_rehash = False
    else:
        matches, needs_rehash = verify_password(user.get("passwordHash", ""), password)
    # Read only once the password matched: unknown emails and wrong passwords do the same work.
    institution = institution_of(user) if matches else None
    if not matches or not may_log_in(user, institution):
        record_login_failure(throttle_key, user, "login_failure")
        raise APIError(400, "INVALID_CREDENTIALS", INVALID_CREDENTIALS)
    if needs_rehash:
        rehashed = {"passwordHash": hash_password(password)}
        user = UserRepository(PLATFORM).update(user["_id"], rehashed)
    config = current_app.config
    if MfaFactorRepository(PLATFORM).is_active(user["_id"]):
        security_event("mfa_challenge", user.get("institutionId"), userId=user["_id"])
        token = issue_purpose_token(user, MFA_CHALLENGE, config["MFA_CHALLENGE_TTL_SECONDS"])
        return {"mfaRequired": True, "mfaToken": token}
    if mfa_required_by_policy(user, institution):
        LoginThrottleRepository(PLATFORM).clear(throttle_key)
        security_event("mfa_enrolment_required", user.get("institutionId"), userId=user["_id"])
        token = issue_purpose_token(user, MFA_ENROLMENT, config["MFA_ENROLMENT_TTL_SECONDS"])
        return {"mfaEnrolmentRequired": True, "token": token, "accessToken": token,
                "user": public_user(user)}  # fmt: skip
    return finish_login(user, institution, throttle_key, "password")


def finish_login(user, institution, throttle_key, method):
    """Every factor checked: clear the failures, note the login, open a session."""
    LoginThrottleRepository(PLATFORM).clear(throttle_key)
    user = UserRepository(PLATFORM).update(user["_id"], {"lastLoginAt": utcnow()})
    security_log.info(
        "login succeeded",
        extra={"fields": {"event": "login_success", "userId": str(user["_id"])}},
    )
    security_event("login_success", user.get("institutionId"), userId=user["_id"], method=method)
    return open_session(user, institution)


def mfa_required_by_policy(user, institution):
    """Whether the user's institution (or, for super-admins, the platform) requires MFA."""
    role = canonical_role(user.get("role"))
    if role == SUPER_ADMIN:
        return current_app.config["MFA_REQUIRED_FOR_SUPER_ADMINS"]
    return role in (institution or {}).get("mfaRequiredRoles", ())


def login_throttle_key(email):
    """The lockout counter's key for an email (hashed: known or not, it reveals nothing)."""
    return hash_token(f"login:{normalise_email(email)}")


def record_login_failure(throttle_key, user, event):
    """Log and audit a failed login step and count it towards the lockout."""
    _record_failure(throttle_key)
    security_log.warning("login failed", extra={"fields": {"event": event}})
    security_event(event, (user or {}).get("institutionId"), emailHash=throttle_key)


def institution_of(user):
    """The user's institution document (None for a super-admin, or when it is gone)."""
    institution_id = user.get("institutionId")
    if institution_id is None:
        return None
    return InstitutionRepository(TenantScope.of(institution_id)).get(institution_id)


def may_log_in(user, institution):
    """Active user of an active institution (super-admins have none)."""
    if user is None or user.get("status") != "active":
        return False
    if user.get("institutionId") is None:
        return canonical_role(user.get("role")) == "super_admin"
    return institution is not None and institution.get("status") == "active"


def refuse_if_locked(throttle_key):
    """429 while the account (email) is locked out; stored in MongoDB so Redis cannot lift it."""
    record = LoginThrottleRepository(PLATFORM).find_one({"_id": throttle_key})
    locked_until = (record or {}).get("lockedUntil")
    now = utcnow()
    if locked_until is not None and locked_until > now:
        seconds = max(1, int((locked_until - now).total_seconds()) + 1)
        security_log.warning("login refused: locked", extra={"fields": {"event": "lockout"}})
        security_event("lockout", None, emailHash=throttle_key)
        raise APIError(
            429,
            "ACCOUNT_LOCKED",
            "Too many failed logins; try again later.",
            headers={"Retry-After": str(seconds)},
        )


def _record_failure(throttle_key):
    """Count a failed login towards the lockout."""
    config = current_app.config
    LoginThrottleRepository(PLATFORM).record_failure(
        throttle_key,
        config["LOGIN_LOCKOUT_THRESHOLD"],
        config["LOGIN_LOCKOUT_BASE_SECONDS"],
        config["LOGIN_LOCKOUT_MAX_SECONDS"],
    )


def open_session(user, institution):
    """Create a session (refresh-token family) and its first tokens."""
    now = utcnow()
    ttl = timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL_SECONDS"])
    session = SessionRepository(PLATFORM).insert(
        {
            "institutionId": user.get("institutionId"),
            "userId": user["_id"],
            "expiresAt": now + ttl,
            "revokedAt": None,
            "revokedReason": None,
            "userAgent": request.headers.get("User-Agent", "")[:200],
            "ip": request.remote_addr,
        }
    )
    return token_response(user, session, institution)


def token_response(user, session, institution):
    """The login/refresh answer (contract shape) with a new refresh token of this session.

    The caller has vetted user, session and institution; their auth context is cached here.
    """
    refresh_token = new_opaque_token()
    RefreshTokenRepository(PLATFORM).insert(
        {
            "_id": hash_token(refresh_token),
            "institutionId": user.get("institutionId"),
            "sessionId": session["_id"],
            "userId": user["_id"],
            "usedAt": None,
            "expiresAt": session["expiresAt"],
        }
    )
    access_token = issue_access_token(user, session["_id"])
    auth_identity.remember_auth_context(user, institution, session)
    return {
        "token": access_token,
        "accessToken": access_token,
        "refreshToken": refresh_token,
        "user": public_user(user),
    }


def public_user(user):
    """The user summary clients store after login."""
    return {
        "id": str(user["_id"]),
        "name": user.get("name") or user.get("email", ""),
        "email": user.get("email", ""),
        "role": canonical_role(user.get("role")),
        "institutionId": str(user["institutionId"]) if user.get("institutionId") else None,
    }


def refresh(refresh_token):
    """Rotate a refresh token; a spent one revokes its whole family."""
    invalid = APIError(401, "UNAUTHORIZED", "Invalid or expired refresh token.")
    record, reused = RefreshTokenRepository(PLATFORM).spend(hash_token(refresh_token))
    if record is None:
        raise invalid
    sessions = SessionRepository(PLATFORM)
    if reused:
        revoked = sessions.revoke({"_id": record["sessionId"]}, "refresh_token_reuse")
        auth_identity.forget_sessions(revoked or [record["sessionId"]])
        security_log.warning(
            "refresh token reused: family revoked",
            extra={"fields": {"event": "token_reuse", "userId": str(record["userId"])}},
        )
        security_event("token_reuse", record.get("institutionId"), userId=record["userId"])
        raise invalid
    session = sessions.get(record["sessionId"])
    if session is None or session.get("revokedAt") is not None or session["expiresAt"] <= utcnow():
        raise invalid
    user = UserRepository(PLATFORM).get(record["userId"])
    institution = institution_of(user) if user else None
    if not may_log_in(user, institution):
        raise invalid
    return token_response(user, session, institution)


def profile(identity):
    """The caller's user document."""
    return UserRepository(PLATFORM).get(identity.user_id)


def logout(identity):
    """Revoke the caller's session: its access and refresh tokens stop working."""
    revoked = SessionRepository(PLATFORM).revoke({"_id": identity.session_id}, "logout")
    auth_identity.forget_sessions(revoked or [identity.session_id])
    security_event("logout", identity.institution_id, userId=identity.user_id)


def change_password(identity, current_password, new_password):
    """Change the caller's password and revoke every other session."""
    users = UserRepository(PLATFORM)
    user = users.get(identity.user_id)
    matches, _ = verify_password(user.get("passwordHash", ""), current_password)
    if not matches:
        raise validation_error({"json": {"currentPassword": ["Incorrect password."]}})
    problem = password_problem(new_password, email=user.get("email"), name=user.get("name"))
    if problem:
        raise validation_error({"json": {"newPassword": [problem]}})
    users.update(
        user["_id"], {"passwordHash": hash_password(new_password), "passwordChangedAt": utcnow()}
    )
    revoked = SessionRepository(PLATFORM).revoke(
        {"userId": user["_id"], "_id": {"$ne": identity.session_id}}, "password_changed"
    )
    auth_identity.forget_sessions(revoked)
    auth_identity.forget_user(user["_id"])
    security_event(
        "password_change", identity.institution_id, userId=user["_id"], sessionsRevoked=len(revoked)
    )
    return len(revoked)


def revoke_all_sessions(user_id, reason):
    """Revoke every session of a user (deactivation, role change)."""
    revoked = SessionRepository(PLATFORM).revoke({"userId": user_id}, reason)
    auth_identity.forget_sessions(revoked)
    auth_identity.forget_user(user_id)


def register(payload):
    """Self-registration only by invitation: the invitation fixes institution and role."""
    token = payload.get("invitationToken")
    if not token:
        raise APIError(403, "INVITATION_REQUIRED")
    email = normalise_email(payload["email"])

    def write(session):
        invitation = invitation_service.redeem(token, email, session=session)
        links = {key: invitation[key] for key in LINK_FIELDS if invitation.get(key)}
        return insert_user(
            TenantScope.of(invitation["institutionId"]),
            {
                "name": payload["name"],
                "email": email,
                "password": payload["password"],
                "role": invitation["role"],
                **links,
            },
            session=session,
        )

    user = in_transaction(write)
    return open_session(user, institution_of(user))
