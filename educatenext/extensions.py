"""Unbound extension objects; create_app binds them. Customisation of libraries lives here."""

import flask_smorest
from flask_caching import Cache
from flask_limiter.util import get_remote_address
from marshmallow import EXCLUDE, RAISE, Schema
from webargs.flaskparser import FlaskParser

from educatenext.platform.http.apidocs import AccessDocsPlugin
from educatenext.platform.http.dumping import CompiledDumpSchema
from educatenext.platform.http.errors import validation_error
from educatenext.platform.http.schemas import ErrorSchema, ResponseSchema
from educatenext.platform.library_internals import RecordingLimiter
from educatenext.platform.mongo.client import Mongo


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


class StrictSchema(CompiledDumpSchema):
    """Request schemas reject unknown fields (no mass assignment); as responses they dump fast."""

    class Meta:
        unknown = RAISE


class QuerySchema(Schema):
    """Query-string schemas reject unknown parameters too; subclasses may relax."""

    class Meta:
        unknown = RAISE


__all__ = ["ResponseSchema"]  # re-exported: resources import it from here

api = Api(spec_kwargs={"extra_plugins": [AccessDocsPlugin()]})
cache = Cache()
limiter = RecordingLimiter(key_func=get_remote_address)
mongo = Mongo()
