"""Attendance completion reads one summary document per school day (attendance_days).

Each document holds the ids of the classrooms with attendance taken that day; attendance
writes keep it (educatenext.attendance.repository.AttendanceDayRepository). Until now the
report read the day's records, one per student, so it grew with the school's size. This
creates the unique {institutionId, date} index and builds the documents from the records
already stored. It only adds ids ($addToSet), so it is safe while the API serves. Old code
does not keep the summary: a classroom whose first record of a day an old worker writes after
the build is missing from that day's document, so replace the workers right after migrating.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel, UpdateOne

from educatenext.platform.mongo.migrations import create_indexes
from educatenext.platform.values import utcnow

INDEXES = {
    "attendance_days": [
        IndexModel(
            [("institutionId", ASC), ("date", ASC)], name="attendance_days_tenant_date", unique=True
        )
    ]
}
BATCH = 500


def up(db):
    """Create the index, then one document per institution and day from the records."""
    create_indexes(db, INDEXES)
    days = db.attendance.aggregate(
        [
            {
                "$group": {
                    "_id": {"institutionId": "$institutionId", "date": "$date"},
                    "classroomIds": {"$addToSet": "$classroomId"},
                }
            }
        ],
        allowDiskUse=True,
    )
    now, batch = utcnow(), []
    for day in days:
        batch.append(
            UpdateOne(
                dict(day["_id"]),
                {
                    "$addToSet": {"classroomIds": {"$each": day["classroomIds"]}},
                    "$setOnInsert": {"createdAt": now},
                },
                upsert=True,
            )
        )
        if len(batch) >= BATCH:
            db.attendance_days.bulk_write(batch, ordered=False)
            batch = []
    if batch:
        db.attendance_days.bulk_write(batch, ordered=False)


def down(db):
    """Drop the summary and its index (roll the code back first: completion reads it)."""
    db.attendance_days.drop()
