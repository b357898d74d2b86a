"""Unbound extension objects; create_app binds them. Customisation of libraries lives here."""

import flask_limiter
import flask_smorest
from flask import g
from flask_caching import Cache
from flask_limiter.util import get_remote_address
from marshmallow import EXCLUDE, RAISE, Schema
from webargs.flaskparser import FlaskParser

from educatenext.apidocs import AccessDocsPlugin
from educatenext.db import Mongo
from educatenext.errors import validation_error
from educatenext.schemas_common import ErrorSchema, ResponseSchema


class Parser(FlaskParser):
    """webargs parser that reports validation failures as our 400 envelope, not 422."""

    DEFAULT_VALIDATION_STATUS = 400
    # webargs ignores unknown query parameters by default; we reject them (schemas RAISE).
    DEFAULT_UNKNOWN_BY_LOCATION = {"headers": EXCLUDE, "cookies": EXCLUDE}

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        """Raise the envelope's validation error with per-field details."""
        raise validation_error(error.messages)


class Blueprint(flask_smorest.Blueprint):
    """Every resource blueprint parses arguments with our parser."""

    ARGUMENTS_PARSER = Parser()


class Api(flask_smorest.Api):
    """flask-smorest Api documenting our error envelope; errors go through errors.handle_error."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """The app registers the one error handler itself (errors.init_app)."""

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register inside an app context: the docs plugin reads the app's views and limits."""
        with self._app.app_context():
            super().register_blueprint(blp, parameters=parameters, **options)


class StrictSchema(Schema):
    """Request schemas reject unknown fields (no mass assignment)."""

    class Meta:
        unknown = RAISE


class QuerySchema(Schema):
    """Query-string schemas reject unknown parameters too; subclasses may relax."""

    class Meta:
        unknown = RAISE


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, also keeping every limit it evaluated in this request (g.evaluated_limits).

    It evaluates twice per request (before_request, then the view's decorator) and keeps only
    the last pass in its context; the cache fast lane needs both to replay a route's limits.
    """

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        """Check as Flask-Limiter does, then record what was checked."""
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)
        evaluated = g.setdefault("evaluated_limits", {})
        for request_limit in self.context.view_rate_limits:
            evaluated[request_limit.key] = request_limit


__all__ = ["ResponseSchema"]  # re-exported: resources import it from here

api = Api(spec_kwargs={"extra_plugins": [AccessDocsPlugin()]})
cache = Cache()
limiter = Limiter(key_func=get_remote_address)
mongo = Mongo()
