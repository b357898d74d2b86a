"""Small value helpers shared by every layer (no Flask or database imports)."""

from datetime import UTC, datetime

from bson import ObjectId
from bson.errors import InvalidId


def parse_object_id(value):
    """Return an ObjectId, or None when the value is not one (callers answer 404)."""
    if isinstance(value, ObjectId):
        return value
    try:
        return ObjectId(str(value))
    except (InvalidId, TypeError):
        return None


def utcnow():
    """Timezone-aware now, truncated to MongoDB's millisecond precision."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def today():
    """Today's calendar day as midnight UTC (how calendar days are stored)."""
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC)
