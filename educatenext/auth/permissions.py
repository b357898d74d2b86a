"""Declared permissions per route, enforced in one place (a before_request hook)."""

import logging
from dataclasses import dataclass

import flask_smorest
from flask import current_app, request

from educatenext.audit.recorder import security_event
from educatenext.auth.identity import authenticate, authenticate_enrolling
from educatenext.platform.http.errors import APIError

log = logging.getLogger(__name__)

# Endpoints outside our blueprints that are public by nature (docs and their assets).
PUBLIC_ENDPOINTS = {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}
BEARER = [{"bearerAuth": []}]


@dataclass(frozen=True)
class Permission:
    """Who may call a route: nobody authenticated (public) or any of these roles."""

    roles: frozenset
    public: bool = False
    # Also open to enrolment-only tokens (MFA set-up for users a policy requires it of).
    enrolling: bool = False


def _declare(func, declared):
    """Attach the permission to the view and document it in the OpenAPI operation."""
    if declared.public:
        documented = flask_smorest.Blueprint.doc(security=[])(func)
    else:
        roles = ", ".join(sorted(declared.roles))
        documented = flask_smorest.Blueprint.doc(
            security=BEARER, **{"x-roles": sorted(declared.roles)}
        )(func)
        documented.__doc__ = f"{(func.__doc__ or '').strip()}\n\nRoles: {roles}."
    documented._permission = declared
    return documented


def allow(*roles):
    """Only authenticated callers holding one of these roles."""
    if not roles:
        raise ValueError("allow() needs at least one role; use public for open routes")
    return lambda func: _declare(func, Permission(frozenset(roles)))


def allow_enrolling(*roles):
    """Like allow(), and open to enrolment-only tokens too (the MFA set-up endpoints)."""
    return lambda func: _declare(func, Permission(frozenset(roles), enrolling=True))


def public(func):
    """Open to anyone: the route must do its own checks (login, health)."""
    return _declare(func, Permission(frozenset(), public=True))


def declared_permission(endpoint, method):
    """The permission declared for an endpoint and HTTP method, or None."""
    if endpoint in PUBLIC_ENDPOINTS:
        return Permission(frozenset(), public=True)
    view = current_app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
    else:
        handler = view
    return getattr(handler, "_permission", None)


def enforce_permissions():
    """Authenticate and authorise every routed request before its view runs."""
    if request.endpoint is None or request.method == "OPTIONS":
        return  # unrouted (404/405 follow) or CORS preflight
    declared = declared_permission(request.endpoint, request.method)
    if declared is None:
        log.error("route %s %s has no declared permission", request.method, request.endpoint)
        raise APIError(500, "INTERNAL_ERROR")
    if declared.public:
        return
    identity = (declared.enrolling and authenticate_enrolling()) or authenticate()
    if identity.role not in declared.roles:
        security_event(
            "permission_denied",
            identity.institution_id,
            endpoint=request.endpoint,
            method=request.method,
        )
        raise APIError(403, "FORBIDDEN", "Your role does not allow this action.")


def init_app(app):
    """Register the single enforcement point."""
    app.before_request(enforce_permissions)
