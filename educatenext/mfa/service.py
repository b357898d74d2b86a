"""TOTP second factor (RFC 6238): enrolment, the second login step, recovery codes, disabling.

A code is accepted for its own 30-second step or one either side (clock drift), and each step
works once: the factor keeps the last step used and a code may only move it forward, so a code
seen over a shoulder or replayed from a log is refused. Recovery codes are single-use and kept
as SHA-256 hashes (they carry 79 bits of randomness, too many to search).
"""

import base64
import hmac
import io
import re
import secrets
from datetime import UTC, datetime

import jwt
import pyotp
import segno
from flask import current_app

from educatenext.audit.recorder import security_event
from educatenext.auth import service as auth_service
from educatenext.auth.identity import MFA_CHALLENGE
from educatenext.auth.roles import ADMIN, SUPER_ADMIN
from educatenext.auth.tokens import decode_purpose_token, hash_token
from educatenext.mfa.repository import ACTIVE, PENDING, MfaFactorRepository, SpentMfaTokenRepository
from educatenext.platform.http.errors import APIError, flatten_messages
from educatenext.platform.mongo.repository import TenantScope
from educatenext.platform.secretbox import SecretBox
from educatenext.platform.values import parse_object_id
from educatenext.users.repository import UserRepository

PLATFORM = TenantScope.platform_wide()
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper. 16 of 31 symbols: 79 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
TOTP_CODE = re.compile(r"^\d{6}$")
INVALID_CODE = "Invalid or already used code."


def _box():
    """The secret box for TOTP secrets, keyed from configuration (never the JWT secret)."""
    config = current_app.config
    return SecretBox("mfa-totp", config["MFA_SECRET_KEY"], config["MFA_SECRET_KEY_PREVIOUS"])


def _factors():
    return MfaFactorRepository(PLATFORM)


def _user(identity):
    return UserRepository(PLATFORM).get(identity.user_id)


def status(identity):
    """Whether the caller has MFA, how many recovery codes remain, and whether it is required."""
    user = _user(identity)
    factor = _factors().for_user(identity.user_id) or {}
    active = factor.get("status") == ACTIVE
    return {
        "enabled": active,
        "pending": factor.get("status") == PENDING,
        "recoveryCodesRemaining": len(factor.get("recoveryCodeHashes", [])) if active else 0,
        "requiredByPolicy": auth_service.mfa_required_by_policy(
            user, auth_service.institution_of(user)
        ),
    }


def start_enrolment(identity):
    """A new secret for the caller, shown once as an otpauth:// URI and a QR image."""
    user = _user(identity)
    secret = pyotp.random_base32(length=32)  # 160 bits, RFC 4226's recommended size
    if _factors().start_enrolment(user, _box().seal(secret)) is None:
        raise APIError(409, "MFA_ALREADY_ENABLED", "Two-factor authentication is already on.")
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=user["email"], issuer_name=current_app.config["MFA_ISSUER"]
    )
    image = io.BytesIO()
    segno.make(uri, error="m").save(image, kind="png", scale=5, border=2)
    security_event("mfa_enrolment_started", identity.institution_id, userId=identity.user_id)
    return {
        "secret": secret,
        "otpauthUri": uri,
        "qrCode": "data:image/png;base64," + base64.b64encode(image.getvalue()).decode(),
    }


def confirm_enrolment(identity, code):
    """Turn MFA on with a first code; the answer carries the recovery codes, shown once.

    An enrolment-only caller (a policy required MFA at login) is signed in by this: the answer
    carries the usual login tokens too.
    """
    factor = _factors().for_user(identity.user_id)
    if factor is None or factor["status"] != PENDING:
        raise APIError(409, "MFA_NOT_PENDING", "Start enrolment first.")
    step = _matching_step(_box().open(factor["secret"]), code)
    codes = new_recovery_codes()
    hashes = [recovery_code_hash(code) for code in codes]
    if step is None or not _factors().activate(identity.user_id, factor["secret"], step, hashes):
        security_event("mfa_failure", identity.institution_id, userId=identity.user_id,
                       stage="enrolment")  # fmt: skip
        raise _invalid_code()
    security_event("mfa_enabled", identity.institution_id, userId=identity.user_id)
    answer = {"recoveryCodes": codes}
    if identity.enrolling:
        user = _user(identity)
        answer |= auth_service.finish_login(
            user,
            auth_service.institution_of(user),
            auth_service.login_throttle_key(user["email"]),
            "password+mfa-enrolment",
        )
    return answer


def complete_login(mfa_token, code):
    """The second login step: a valid code (or recovery code) for the token's user opens a session.

    Wrong codes count towards the account's lockout like wrong passwords; the token is spent by
    the first success, so one password check yields at most one session.
    """
    try:
        claims = decode_purpose_token(mfa_token, MFA_CHALLENGE)
    except jwt.InvalidTokenError:
        raise APIError(401, "UNAUTHORIZED", "Invalid or expired MFA token.") from None
    user = UserRepository(PLATFORM).get(parse_object_id(claims["sub"]))
    institution = auth_service.institution_of(user) if user else None
    if not auth_service.may_log_in(user, institution):
        raise APIError(401, "UNAUTHORIZED", "Invalid or expired MFA token.")
    spent = SpentMfaTokenRepository(PLATFORM)
    if spent.was_spent(claims["jti"]):  # before a code is spent on it (the insert below decides)
        raise APIError(401, "UNAUTHORIZED", "Invalid or expired MFA token.")
    throttle_key = auth_service.login_throttle_key(user["email"])
    auth_service.refuse_if_locked(throttle_key)
    method = _require_code(user, code)
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    if not spent.spend(claims["jti"], user.get("institutionId"), expires_at):
        raise APIError(401, "UNAUTHORIZED", "Invalid or expired MFA token.")
    if method == "recovery-code":
        security_event("mfa_recovery_code_used", user.get("institutionId"), userId=user["_id"])
    return auth_service.finish_login(user, institution, throttle_key, f"password+{method}")


def disable(identity, code):
    """Turn the caller's MFA off with a current code or a recovery code."""
    user = _user(identity)
    if auth_service.mfa_required_by_policy(user, auth_service.institution_of(user)):
        raise APIError(409, "MFA_REQUIRED_BY_POLICY")
    if not _factors().is_active(identity.user_id):
        raise APIError(409, "MFA_NOT_ENABLED", "Two-factor authentication is not on.")
    _require_code(user, code)
    _factors().remove(identity.user_id)
    security_event("mfa_disabled", identity.institution_id, userId=identity.user_id,
                   by=identity.user_id)  # fmt: skip


def regenerate_recovery_codes(identity, code):
    """Ten new recovery codes (the old ones stop working), after a current code."""
    if not _factors().is_active(identity.user_id):
        raise APIError(409, "MFA_NOT_ENABLED", "Two-factor authentication is not on.")
    _require_code(_user(identity), code, recovery=False)
    codes = new_recovery_codes()
    _factors().replace_recovery_codes(identity.user_id, [recovery_code_hash(c) for c in codes])
    security_event("mfa_recovery_codes_replaced", identity.institution_id, userId=identity.user_id)
    return {"recoveryCodes": codes}


def reset(identity, user_id):
    """Another administrator removes a user's MFA (a lost phone); they enrol again."""
    target_id = parse_object_id(user_id)
    if target_id == identity.user_id:
        raise APIError(403, "FORBIDDEN", "Turn your own MFA off with a code.")
    scope = PLATFORM if identity.role == SUPER_ADMIN else identity.scope
    target = UserRepository(scope).get(target_id) if target_id else None
    if target is None or (identity.role == ADMIN and target.get("role") == SUPER_ADMIN):
        raise APIError(404, "NOT_FOUND", "User not found.")
    if not MfaFactorRepository(scope).remove(target_id):
        raise APIError(409, "MFA_NOT_ENABLED", "That user has no two-factor authentication.")
    security_event("mfa_reset", target.get("institutionId"), userId=target_id,
                   by=identity.user_id)  # fmt: skip


def _require_code(user, code, recovery=True):
    """Spend a valid code of the user's ('totp' or 'recovery-code'); a wrong one counts
    towards the login lockout and answers 400."""
    method = _spend_code(user["_id"], code, recovery)
    if method is None:
        throttle_key = auth_service.login_throttle_key(user["email"])
        auth_service.record_login_failure(throttle_key, user, "mfa_failure")
        raise _invalid_code()
    return method


def _spend_code(user_id, code, recovery=True):
    """'totp' or 'recovery-code' when the code is valid for the user and now spent, else None."""
    factor = _factors().for_user(user_id)
    if factor is None or factor["status"] != ACTIVE:
        return None
    if TOTP_CODE.match(code.strip()):
        step = _matching_step(_box().open(factor["secret"]), code)
        return "totp" if step is not None and _factors().spend_step(user_id, step) else None
    if recovery and _factors().spend_recovery_code(user_id, recovery_code_hash(code)):
        return "recovery-code"
    return None


def _matching_step(secret, code, now=None):
    """The time step (now, one before, one after) whose code this is, or None."""
    code = code.strip()
    if not TOTP_CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or datetime.now(UTC))
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes():
    """Ten fresh single-use codes, formatted xxxx-xxxx-xxxx-xxxx."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes


def recovery_code_hash(code):
    """The stored form of a recovery code (case, spaces and dashes do not matter)."""
    return hash_token("mfa-recovery:" + re.sub(r"[\s-]", "", code).lower())


def _invalid_code():
    return APIError(400, "INVALID_MFA_CODE", INVALID_CODE,
                    details=flatten_messages({"code": [INVALID_CODE]}, "json"))  # fmt: skip
