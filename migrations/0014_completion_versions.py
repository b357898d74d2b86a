"""Attendance completion remembers its answer per school day and active-classroom version.

A day with every classroom's attendance taken read both summaries (the day's taken set and
the school's active set, 2,500 ids each at 10xS) on every request. Now each school has a
version token (active_classroom_versions, one small document, replaced after every change to
its active set) and a day's summary remembers which classrooms were missing for which
version; a read checks the token and the remembered ids and reads neither set. This creates
the unique {institutionId} index that keeps one version per school (a school's first version
is created when first read). Code from before it changes the active set without replacing
the version, so replace the workers right after migrating: a classroom an old worker creates or
archives in between shows in completion from its school's next classroom write or the next
day. After rebuilding the active set (0013 down, then up) every version is
replaced, so nothing remembered for the old set is used again.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes

INDEXES = {
    "active_classroom_versions": [
        IndexModel([("institutionId", ASC)], name="active_classroom_versions_tenant", unique=True)
    ]
}


def up(db):
    """Create the index."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop the versions and forget every remembered answer (roll the code back first)."""
    db.active_classroom_versions.drop()
    db.attendance_days.update_many({"missing": {"$exists": True}}, {"$unset": {"missing": ""}})
