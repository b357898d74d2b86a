"""A test-only blueprint that exercises the shared machinery (errors, pagination, limits)."""

from flask.views import MethodView
from marshmallow import fields, validate
from pymongo import IndexModel

from educatenext.auth.permissions import public
from educatenext.extensions import Blueprint, ResponseSchema, StrictSchema, limiter, mongo
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.platform.http.schemas import PaginationQuerySchema
from educatenext.platform.mongo.repository import TenantRepository, TenantScope

blp = Blueprint("probe", __name__, url_prefix="/probe")
TENANT = TenantScope.of(__import__("bson").ObjectId("64b000000000000000000001"))


class WidgetRepository(TenantRepository):
    """Widgets, a stand-in resource."""

    collection_name = "widgets"
    indexes = [
        IndexModel([("institutionId", 1), ("code", 1)], name="widgets_code_unique", unique=True)
    ]


class WidgetCreateSchema(StrictSchema):
    """Create payload."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    size = fields.Integer(validate=validate.Range(min=1, max=10))


class WidgetSchema(ResponseSchema):
    """Widget representation."""

    code = fields.String()
    size = fields.Integer()


@blp.route("/widgets")
class Widgets(MethodView):
    """Widget collection."""

    @public
    @blp.arguments(PaginationQuerySchema, location="query")
    @blp.response(200, WidgetSchema(many=True))
    def get(self, args):
        """List widgets."""
        page, limit = page_window(args)
        items, total = WidgetRepository(TENANT).page(sort=[("code", 1)], page=page, limit=limit)
        return items, 200, pagination_headers(total, page, limit)

    @public
    @blp.arguments(WidgetCreateSchema)
    @blp.response(201, WidgetSchema)
    def post(self, payload):
        """Create a widget."""
        repository = WidgetRepository(TENANT)
        mongo.db[WidgetRepository.collection_name].create_indexes(WidgetRepository.indexes)
        return repository.insert(payload)


@blp.route("/boom")
class Boom(MethodView):
    """Always fails."""

    @public
    def get(self):
        """Raise an unexpected error carrying internals."""
        raise RuntimeError("secret internals: password=hunter2")


@blp.route("/limited")
class Limited(MethodView):
    """Tightly rate limited."""

    decorators = [limiter.limit("2 per minute")]

    @public
    def get(self):
        """Answer until the limit is hit."""
        return {"ok": True}
