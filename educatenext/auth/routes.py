"""/api/v1/auth: login, token refresh, logout, profile, password change, registration."""

import hashlib

from flask import current_app, request
from flask.views import MethodView

from educatenext.auth import service
from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow, public
from educatenext.auth.roles import ROLES
from educatenext.auth.schemas import (
    ChangePasswordSchema,
    LoginSchema,
    MeSchema,
    RefreshSchema,
    RegisterSchema,
    TokenSchema,
)
from educatenext.extensions import Blueprint, limiter
from educatenext.platform.http.schemas import MessageSchema

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Authentication")


def login_account_key():
    """Rate-limit key for the account named in the body (hashed: no emails in Redis)."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    normalised = email.strip().lower() if isinstance(email, str) else ""
    return "login-account:" + hashlib.sha256(normalised.encode()).hexdigest()


per_ip = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"])
per_account = limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"], key_func=login_account_key
)


@blp.route("/login")
class Login(MethodView):
    """Sign in."""

    decorators = [per_ip, per_account]

    @public
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    def post(self, payload):
        """Exchange email and password for tokens."""
        return {
            "message": "Login successful.",
            **service.login(payload["email"], payload["password"]),
        }


@blp.route("/refresh")
class Refresh(MethodView):
    """Rotate tokens."""

    decorators = [per_ip]

    @public
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenSchema)
    def post(self, payload):
        """Exchange a refresh token for new tokens (the old one is spent)."""
        return {"message": "Token refreshed.", **service.refresh(payload["refreshToken"])}


@blp.route("/logout")
class Logout(MethodView):
    """Sign out."""

    @allow(*ROLES)
    @blp.response(200, MessageSchema)
    def post(self):
        """Revoke this session's access and refresh tokens."""
        service.logout(current_identity())
        return {"message": "Logged out."}


@blp.route("/me")
class Me(MethodView):
    """The caller."""

    @allow(*ROLES)
    @blp.response(200, MeSchema)
    def get(self):
        """The signed-in user's profile."""
        return {"user": service.profile(current_identity())}


@blp.route("/change-password")
class ChangePassword(MethodView):
    """Password change."""

    @allow(*ROLES)
    @blp.arguments(ChangePasswordSchema)
    @blp.response(200, MessageSchema)
    def post(self, payload):
        """Change the password; every other session is signed out."""
        others = service.change_password(
            current_identity(), payload["currentPassword"], payload["newPassword"]
        )
        return {"message": f"Password changed; {others} other session(s) signed out."}


@blp.route("/register")
class Register(MethodView):
    """Registration by invitation."""

    decorators = [per_ip]

    @public
    @blp.arguments(RegisterSchema)
    @blp.response(201, TokenSchema)
    def post(self, payload):
        """Create an account from an admin's invitation (institution and role come from it)."""
        return {"message": "Registration successful.", **service.register(payload)}
