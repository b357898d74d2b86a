"""Inclusive range ends on dates and strings, sent as the exclusive ends they equal.

`{f: {$lte: v}}` and `{f: {$lt: next(v)}}` select the same documents on any MongoDB when
next(v) is v's immediate successor in BSON order: v plus one millisecond for a date (BSON
dates count milliseconds), v plus a NUL character for a string (binary comparison, no
collation); likewise `{$gte: v}` and `{$gt: v minus one millisecond}` for a date (strings
have no predecessor). secantusdb drops the documents equal to the inclusive end where an
index scan stops when the index has keys after the range's field (decision 0004): every list
index since migration 0025 put the _id tie-breaker after the sort key. Exclusive ends it
scans right, ascending or descending. Only the filter's own fields and its $and/$or/$nor
branches are rewritten; other values pass unchanged.
"""

from datetime import datetime, timedelta

ONE_MILLISECOND = timedelta(milliseconds=1)
_BRANCHES = ("$and", "$or", "$nor")


def _millisecond(value):
    """A datetime as BSON stores it (milliseconds; pymongo drops the rest)."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _successor(value):
    """The next BSON value after a date or string, or None for other types."""
    if isinstance(value, datetime):
        return _millisecond(value) + ONE_MILLISECOND
    if isinstance(value, str):
        return value + "\x00"
    return None


def _predecessor(value):
    """The BSON value just before a date, or None for other types."""
    return _millisecond(value) - ONE_MILLISECOND if isinstance(value, datetime) else None


def _condition(condition):
    if not isinstance(condition, dict):
        return condition
    rewritten = condition
    for inclusive, exclusive, neighbour in (("$lte", "$lt", _successor),
                                            ("$gte", "$gt", _predecessor)):  # fmt: skip
        if inclusive not in rewritten or exclusive in rewritten:
            continue
        bound = neighbour(rewritten[inclusive])
        if bound is not None:
            rewritten = {key: value for key, value in rewritten.items() if key != inclusive}
            rewritten[exclusive] = bound
    return rewritten


def exclusive_ends(selector):
    """The filter with its date and string inclusive ends exclusive (the same object if none)."""
    if not isinstance(selector, dict):
        return selector
    rewritten = None
    for field, condition in selector.items():
        if field in _BRANCHES and isinstance(condition, list):
            changed = [exclusive_ends(branch) for branch in condition]
            if any(new is not old for new, old in zip(changed, condition, strict=True)):
                rewritten = rewritten or dict(selector)
                rewritten[field] = changed
        elif not field.startswith("$"):
            changed = _condition(condition)
            if changed is not condition:
                rewritten = rewritten or dict(selector)
                rewritten[field] = changed
    return selector if rewritten is None else rewritten


def exclusive_pipeline(pipeline):
    """The pipeline with its first $match's ends rewritten (the stage an index serves)."""
    if pipeline and isinstance(pipeline[0], dict) and "$match" in pipeline[0]:
        first = exclusive_ends(pipeline[0]["$match"])
        if first is not pipeline[0]["$match"]:
            return [{**pipeline[0], "$match": first}, *pipeline[1:]]
    return pipeline
