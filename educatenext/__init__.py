"""EducateNext API: the application factory."""

import logging
import re

from flask import Flask, send_from_directory
from flask.sessions import SessionInterface
from swagger_ui_bundle import swagger_ui_path
from werkzeug.middleware.proxy_fix import ProxyFix

from educatenext.attendance.retention import attendance_cli
from educatenext.audit import recorder
from educatenext.audit.recorder import rate_limit_breached
from educatenext.auth import permissions
from educatenext.bootstrap import bootstrap_command
from educatenext.caching import fastlane, generations, response_copies, value_memos
from educatenext.config import load_config
from educatenext.extensions import api, cache, limiter, mongo
from educatenext.metrics import requests as request_metrics
from educatenext.metrics import routes as metrics_routes
from educatenext.platform import library_internals
from educatenext.platform.http import errors, guards, requestlog
from educatenext.platform.http import headers as http_headers
from educatenext.platform.http.json_provider import OrjsonProvider
from educatenext.platform.http.pagination import LEGACY_ALIAS
from educatenext.platform.mongo import write_events
from educatenext.platform.mongo.backup import after_restore, backup_command, restore_command
from educatenext.platform.mongo.dbusers import db_users_cli
from educatenext.platform.mongo.migrations import migrate_cli
from educatenext.platform.redis.breaker import Breaker
from educatenext.platform.redis.config import library_settings
from educatenext.privacy import erasure
from educatenext.queryplans.command import APP_FACTORY, db_cli
from educatenext.seed.command import seed_command

log = logging.getLogger(__name__)

API_TITLE = "EducateNext API"
API_VERSION = "v1"


# /api/<path> is an alias of /api/v1/<path>; /api/v<N>/ and the docs page are left alone.
UNVERSIONED_API = re.compile(r"^/api/(?!v\d+(/|$)|docs(/|$))")


class VersionAliasMiddleware:
    """Rewrite /api/<path> to /api/v1/<path> before routing, so both behave identically."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        """Rewrite PATH_INFO for unversioned API paths."""
        path = environ.get("PATH_INFO", "")
        if UNVERSIONED_API.match(path):
            environ["PATH_INFO"] = "/api/v1/" + path[len("/api/") :]
            environ[LEGACY_ALIAS] = True
        return self.wsgi_app(environ, start_response)


class NoCookieSessions(SessionInterface):
    """Bearer tokens only: no cookie session is read or written (a NullSession refuses use)."""

    def open_session(self, app, request):
        """Nothing to open: Flask falls back to a NullSession."""

    def save_session(self, app, session, response):
        """Nothing to save."""


class API(Flask):
    """Flask whose WSGI entry offers each request to the cache fast lane first."""

    json_provider_class = OrjsonProvider

    def wsgi_app(self, environ, start_response):
        """A current cached hit answered in one Redis trip, else Flask's usual handling.

        Both run in one app context, so the normal path finds in g what the lane fetched.
        """
        with self.app_context():
            hit = fastlane.serve(self, environ)
            if hit is None:
                return super().wsgi_app(environ, start_response)
        status, headers, body = hit
        start_response(status, headers)
        return [body]


def create_app(config=None):
    """Build the Flask app from a Config object or a mapping of overrides."""
    settings = load_config(config)
    settings.validate()
    app = API(__name__)
    # Saves signing a cookie session per request, which the API never uses.
    app.session_interface = NoCookieSessions()
    app.config.from_object(settings)
    app.config["CONFIG_OBJECT"] = settings
    app.extensions[APP_FACTORY] = create_app  # for commands that build a scratch app
    _configure_libraries(app)

    requestlog.configure_logging(app.config["LOG_LEVEL"])
    errors.init_app(app)
    requestlog.init_app(app)
    request_metrics.init_app(app)
    generations.init_app(app)
    # Cache staling first: a write whose audit entry fails still stales what it changed.
    write_events.subscribe(on_write=generations.note_write_event, on_read=generations.note_read)
    write_events.subscribe(on_write=recorder.record_write)
    after_restore(erasure.replayed_after_restore)
    http_headers.init_app(app)
    guards.init_app(app)
    mongo.init_app(app)
    cache.init_app(app)
    response_copies.init_app(app)
    value_memos.init_app(app)
    library_internals.forget_storage_options(limiter)
    # A cache hit is served in one Redis trip before Flask's request handling (API, fastlane).
    fastlane.init_app(app)
    limiter.init_app(app)
    permissions.init_app(app)
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Also accepted as the x-auth-token header (web app).",
        },
    )
    _register_blueprints(app)
    app.cli.add_command(migrate_cli)
    app.cli.add_command(attendance_cli)
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(db_users_cli)
    app.cli.add_command(restore_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(db_cli)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_prefix=0)
    app.wsgi_app = VersionAliasMiddleware(app.wsgi_app)
    return app


def warn_if_degraded(app):
    """Say loudly, when serving, that running without Redis disables caching and shared limits."""
    if not app.config["REDIS_URL"]:
        log.warning(
            "REDIS_URL is not set: response caching is OFF and rate limits are counted "
            "per process in memory. Do not run like this in production."
        )


def _configure_libraries(app):
    """Translate our settings into the keys flask-smorest, Flask-Caching and Flask-Limiter read."""
    config = app.config
    redis_url = config["REDIS_URL"]
    # Short timeouts and no retry storms: a Redis outage must not stall requests.
    timeout = config["REDIS_SOCKET_TIMEOUT"]
    Breaker.backoff_seconds = config["REDIS_BACKOFF_SECONDS"]
    config.update(
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="v1/openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs" if config["DOCS_ENABLED"] else None,
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
        CACHE_NO_NULL_WARNING=True,
        **library_settings(redis_url, timeout),
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        # X-RateLimit-Limit/Remaining/Reset and Retry-After on limited routes.
        RATELIMIT_HEADERS_ENABLED=True,
        # Flask-Limiter raises any existing Retry-After (a 503's, a 409's) to its window's
        # reset, telling clients that were never limited to wait up to a minute. The 429's
        # Retry-After comes from our error handler; the limiter's goes to its own header.
        RATELIMIT_HEADER_RETRY_AFTER="X-RateLimit-Retry-After",
        RATELIMIT_ON_BREACH_CALLBACK=rate_limit_breached,
    )


def _register_blueprints(app):
    """Health at the root, resources under /api/v1, local Swagger UI assets."""
    from educatenext.analytics.routes import blp as analytics_blp
    from educatenext.assignments.routes import blp as assignments_blp
    from educatenext.attendance.routes import blp as attendance_blp
    from educatenext.audit.routes import blp as audit_blp
    from educatenext.auth.routes import blp as auth_blp
    from educatenext.classrooms.routes import blp as classrooms_blp
    from educatenext.cms.routes import blp as cms_blp
    from educatenext.enrollments.routes import blp as enrollments_blp
    from educatenext.expenses.routes import blp as expenses_blp
    from educatenext.fees.routes import blp as fees_blp
    from educatenext.grades.routes import blp as grades_blp
    from educatenext.health.routes import blp as health_blp
    from educatenext.idcards.routes import blp as idcards_blp
    from educatenext.institutions.routes import blp as institutions_blp
    from educatenext.invitations.routes import blp as invitations_blp
    from educatenext.mfa.routes import blp as mfa_blp
    from educatenext.privacy.routes import blp as privacy_blp
    from educatenext.qr.routes import blp as qr_blp
    from educatenext.reportcards.routes import blp as reports_blp
    from educatenext.students.routes import blp as students_blp
    from educatenext.subjects.routes import blp as subjects_blp
    from educatenext.teachers.routes import blp as teachers_blp
    from educatenext.users.routes import blp as users_blp

    api.register_blueprint(health_blp)
    api.register_blueprint(metrics_routes.blp)
    resources = (
        auth_blp, mfa_blp, institutions_blp, users_blp, invitations_blp,
        subjects_blp, teachers_blp, classrooms_blp, students_blp, enrollments_blp,
        attendance_blp, qr_blp, idcards_blp, grades_blp, reports_blp, assignments_blp,
        analytics_blp, audit_blp, cms_blp, fees_blp, expenses_blp, privacy_blp,
    )  # fmt: skip
    for blueprint in resources:
        api.register_blueprint(blueprint, url_prefix=f"/api/{API_VERSION}{blueprint.url_prefix}")
    if app.config["DOCS_ENABLED"]:

        @app.route("/api/docs/assets/<path:filename>")
        @permissions.public
        def swagger_assets(filename):
            """Swagger UI's own files, served locally (the docs must work offline)."""
            return send_from_directory(swagger_ui_path, filename, max_age=3600)
