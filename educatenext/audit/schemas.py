"""Audit event representations and filters."""

from datetime import datetime

from bson import ObjectId
from marshmallow import fields, validate

from educatenext.extensions import ResponseSchema
from educatenext.platform.http.listing import SortedQuerySchema, sort_field
from educatenext.platform.http.schemas import ObjectIdField, UTCDateTime


def jsonable(value):
    """Stored values as JSON: ids as strings, times as ISO 8601."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class AuditEventSchema(ResponseSchema):
    """One audited action."""

    id = fields.Function(lambda doc: str(doc["_id"]))
    _id = fields.Function(lambda doc: str(doc["_id"]), data_key="_id")
    at = UTCDateTime()
    action = fields.String(metadata={"example": "update"})
    resourceType = fields.String(metadata={"example": "grades"})
    resourceIds = fields.List(fields.String())
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    # Function fields: a missing key must not fall back to dict methods (dict.values).
    values = fields.Function(lambda event: jsonable(event.get("values", {})))
    previous = fields.Function(lambda event: jsonable(event.get("previous", {})))
    details = fields.Function(lambda event: jsonable(event.get("details", {})))
    actorId = ObjectIdField()
    actorRole = fields.String()
    requestId = fields.String()
    ip = fields.String()
    userAgent = fields.String()


class AuditQuerySchema(SortedQuerySchema):
    """Filters (each an indexed shape) and pagination."""

    action = fields.String(validate=validate.Length(max=40))
    resourceType = fields.String(validate=validate.Length(max=40))
    resourceId = ObjectIdField()
    actorId = ObjectIdField()
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()
    sort = sort_field("at", default="-at")
