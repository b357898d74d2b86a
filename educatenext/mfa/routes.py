"""/api/v1/auth/mfa: TOTP second factor (enrol, confirm, second login step, disable, reset)."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow, allow_enrolling, public
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, ROLES, SUPER_ADMIN
from educatenext.auth.routes import per_ip
from educatenext.auth.schemas import TokenSchema
from educatenext.extensions import Blueprint
from educatenext.mfa import service
from educatenext.mfa.schemas import (
    CodeSchema,
    EnrolmentSchema,
    MfaLoginSchema,
    MfaStatusSchema,
    RecoveryCodesSchema,
)
from educatenext.platform.http.schemas import MessageSchema

blp = Blueprint("mfa", __name__, url_prefix="/auth/mfa", description="Two-factor authentication")


@blp.route("")
class MfaLogin(MethodView):
    """The second login step."""

    decorators = [per_ip]

    @public
    @blp.arguments(MfaLoginSchema)
    @blp.response(200, TokenSchema)
    def post(self, payload):
        """Exchange the login's mfaToken and a current code (or a recovery code) for tokens."""
        return {
            "message": "Login successful.",
            **service.complete_login(payload["mfaToken"], payload["code"]),
        }


@blp.route("/status")
class MfaStatus(MethodView):
    """The caller's MFA state."""

    decorators = resource_limits()

    @allow_enrolling(*ROLES)
    @blp.response(200, MfaStatusSchema)
    def get(self):
        """Whether MFA is on, recovery codes left, and whether policy requires it."""
        return service.status(current_identity())


@blp.route("/enrol")
class MfaEnrol(MethodView):
    """Enrolment."""

    decorators = resource_limits()

    @allow_enrolling(*ROLES)
    @blp.response(201, EnrolmentSchema)
    def post(self):
        """A new secret, shown once (otpauth:// URI and QR image); confirm it with a code."""
        return service.start_enrolment(current_identity())


@blp.route("/confirm")
class MfaConfirm(MethodView):
    """Enrolment, confirmed."""

    decorators = resource_limits()

    @allow_enrolling(*ROLES)
    @blp.arguments(CodeSchema)
    @blp.response(200, RecoveryCodesSchema)
    def post(self, payload):
        """Turn MFA on with the first code; answers ten recovery codes, shown once."""
        return {
            "message": "Two-factor authentication is on. Keep the recovery codes safe.",
            **service.confirm_enrolment(current_identity(), payload["code"]),
        }


@blp.route("/disable")
class MfaDisable(MethodView):
    """Turning MFA off."""

    decorators = resource_limits()

    @allow(*ROLES)
    @blp.arguments(CodeSchema)
    @blp.response(200, MessageSchema)
    def post(self, payload):
        """Turn your MFA off with a current code or a recovery code."""
        service.disable(current_identity(), payload["code"])
        return {"message": "Two-factor authentication is off."}


@blp.route("/recovery-codes")
class MfaRecoveryCodes(MethodView):
    """New recovery codes."""

    decorators = resource_limits()

    @allow(*ROLES)
    @blp.arguments(CodeSchema)
    @blp.response(200, RecoveryCodesSchema)
    def post(self, payload):
        """Replace your recovery codes (the old ones stop working), with a current code."""
        return {
            "message": "New recovery codes. The old ones no longer work.",
            **service.regenerate_recovery_codes(current_identity(), payload["code"]),
        }


@blp.route("/users/<user_id>")
class MfaReset(MethodView):
    """An administrator's reset."""

    decorators = resource_limits()

    @allow(ADMIN, SUPER_ADMIN)
    @blp.response(200, MessageSchema)
    def delete(self, user_id):
        """Remove another user's MFA (a lost phone): they set it up again at their next login."""
        service.reset(current_identity(), user_id)
        return {"message": "Two-factor authentication removed; the user must enrol again."}
