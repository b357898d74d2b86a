"""Attendance completion reads each school's active classrooms from one document.

One document per institution holds the ids of its active classrooms; classroom writes keep it
(educatenext.classrooms.repository.ActiveClassroomsRepository). Until now completion read
every classroom of the school to find the few still missing the day's attendance, so it grew
with the school's size. This creates the unique {institutionId} index and builds the
documents from the classrooms stored. It only adds ids ($addToSet), so it is safe while the
API serves; old code does not keep the set, so replace the workers right after migrating: a
classroom an old worker archives stays in the set (completion's status check hides it), and
one an old worker creates is missing from it until the set is rebuilt (`flask migrate down
0013_active_classrooms`, then `make migrate`; until the rebuild completion lists nothing).
"""

import secrets

from pymongo import ASCENDING as ASC
from pymongo import IndexModel, UpdateOne

from educatenext.platform.mongo.migrations import create_indexes
from educatenext.platform.values import utcnow

INDEXES = {
    "active_classrooms": [
        IndexModel([("institutionId", ASC)], name="active_classrooms_tenant", unique=True)
    ]
}


def up(db):
    """Create the index, then one document per institution from its active classrooms."""
    create_indexes(db, INDEXES)
    schools = db.classrooms.aggregate(
        [
            {"$match": {"status": "active"}},
            {"$group": {"_id": "$institutionId", "classroomIds": {"$addToSet": "$_id"}}},
        ]
    )
    now = utcnow()
    updates = [
        UpdateOne(
            {"institutionId": school["_id"]},
            {
                "$addToSet": {"classroomIds": {"$each": school["classroomIds"]}},
                "$setOnInsert": {"createdAt": now},
            },
            upsert=True,
        )
        for school in schools
    ]
    if updates:
        db.active_classrooms.bulk_write(updates, ordered=False)


def down(db):
    """Drop the set and its index (roll the code back first: completion reads it).

    Every school's active-set version (migration 0014) is replaced too: what completion
    remembered for the dropped set must not be used with the rebuilt one.
    """
    db.active_classrooms.drop()
    db.active_classroom_versions.update_many({}, {"$set": {"version": secrets.token_hex(8)}})
