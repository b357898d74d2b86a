"""Shared list-query pieces: allow-listed sorts and an index-friendly name-prefix search."""

from marshmallow import ValidationError, fields, post_load, validate, validates

from educatenext.platform.http.schemas import PaginationQuerySchema

SEARCH_MAX = 50


def sort_field(*keys, default=None):
    """A `sort` parameter limited to these keys, ascending or descending ('-key')."""
    allowed = [*keys, *(f"-{key}" for key in keys)]
    return fields.String(
        load_default=default or keys[0],
        validate=validate.OneOf(allowed),
        metadata={"description": f"One of {', '.join(allowed)}"},
    )


def name_prefix_range(text):
    """A case-insensitive prefix match as a range on the lowercased name: no regex at all.

    A range has tight index bounds on any MongoDB and cannot be turned into a slow or
    injected pattern, unlike a user-supplied (even escaped) case-insensitive regex.
    """
    prefix = text.strip().lower()
    if not prefix:
        return None
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return {"$gte": prefix, "$lt": upper}


def add_range(query, field, start=None, end=None):
    """Add an inclusive start..end condition on a field (the range goes last: see the indexes)."""
    bounds = {}
    if start is not None:
        bounds["$gte"] = start
    if end is not None:
        bounds["$lte"] = end
    if bounds:
        query[field] = bounds
    return query


class SortedQuerySchema(PaginationQuerySchema):
    """Pagination and an allow-listed `sort` turned into a pymongo sort (sort_spec)."""

    sort = sort_field("createdAt")

    # Sort keys on the wire that are stored under another field name.
    SORT_FIELDS = {"name": "nameLower"}

    @post_load
    def to_sort_spec(self, data, **kwargs):
        """Turn 'name' / '-name' into a pymongo sort with _id as the tie-breaker."""
        key = data.pop("sort")
        direction = -1 if key.startswith("-") else 1
        stored = self.SORT_FIELDS.get(key.lstrip("-"), key.lstrip("-"))
        data["sort_spec"] = [(stored, direction), ("_id", direction)]
        return data


class ListQuerySchema(SortedQuerySchema):
    """Sorted pagination plus `q`, a case-insensitive name prefix."""

    q = fields.String(
        validate=validate.Length(min=1, max=SEARCH_MAX),
        metadata={"description": "Case-insensitive name prefix"},
    )
    sort = sort_field("name")

    @validates("q")
    def no_control_characters(self, value, **kwargs):
        """Search text is plain text."""
        if any(ord(char) < 32 for char in value):
            raise ValidationError("Must not contain control characters.")
