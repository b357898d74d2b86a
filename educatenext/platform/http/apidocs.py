"""OpenAPI additions derived from the code: error responses and rate limits per operation."""

from apispec import BasePlugin
from flask import current_app

from educatenext.platform.http.errors import STATUS_CODES

ERROR_DESCRIPTIONS = {
    400: "Invalid input: VALIDATION_ERROR (details per field) or MALFORMED_JSON",
    401: "Missing, invalid or expired token (UNAUTHORIZED)",
    403: "The caller's role may not do this (FORBIDDEN)",
    404: "No such resource in the caller's institution (NOT_FOUND)",
    409: "Conflicts with current state (CONFLICT, DUPLICATE_KEY, ...)",
    413: "Body larger than the configured limit (PAYLOAD_TOO_LARGE)",
    415: "Body is not application/json (UNSUPPORTED_MEDIA_TYPE)",
    429: "Rate limit hit (RATE_LIMITED); see Retry-After",
    503: "A dependency is down (DATABASE_UNAVAILABLE, ...); see Retry-After",
}
WRITES = {"post", "put", "patch", "delete"}
LIST_HEADERS = {
    "X-Total-Count": {
        "description": "Items in the whole list (all pages)",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": "RFC 8288 links to the first, last, prev and next pages",
        "schema": {"type": "string"},
    },
    "X-Pagination": {
        "description": "JSON {total, page, limit, totalPages}",
        "schema": {"type": "string"},
    },
}


def answers_array(operation):
    """Whether an operation's 200 answer is a bare JSON array (a list under the list rule)."""
    responses = operation.get("responses", {})
    content = responses.get(200, responses.get("200", {})).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if isinstance(schema, dict):
        return schema.get("type") == "array"
    return bool(getattr(schema, "many", False))


def error_response(status):
    """An operation response that carries the envelope."""
    return {
        "description": ERROR_DESCRIPTIONS.get(status, STATUS_CODES.get(status, "Error")),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def documented_limits(view):
    """[(config name, methods, keyed per)] from the view class's rate-limit decorators."""
    view_class = getattr(view, "view_class", None)
    return [
        decorator.documented_limit
        for decorator in getattr(view_class, "decorators", [])
        if hasattr(decorator, "documented_limit")
    ]


class AccessDocsPlugin(BasePlugin):
    """Adds the error responses an operation can produce and its rate limit."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        """Called by apispec for every path flask-smorest registers."""
        rule = kwargs.get("rule")
        if rule is None or operations is None:
            return
        limits = documented_limits(current_app.view_functions.get(rule.endpoint))
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            statuses = [400, 503]
            if operation.get("security", [{}]) != []:
                statuses += [401, 403]
            if "<" in rule.rule:
                statuses.append(404)
            if method in WRITES:
                statuses += [409, 413, 415]
            for name, methods, per in limits:
                if methods is None or method.upper() in methods:
                    value = current_app.config[name]
                    operation["x-rate-limit"] = value
                    operation["description"] = (
                        f"{operation.get('description', '')}\n\nRate limit: {value} per {per}."
                    ).strip()
                    statuses.append(429)
            for status in statuses:
                responses.setdefault(str(status), error_response(status))
            if method == "get" and answers_array(operation):
                ok = responses[200] if 200 in responses else responses["200"]
                ok.setdefault("headers", {}).update(LIST_HEADERS)
