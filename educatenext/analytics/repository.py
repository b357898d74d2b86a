"""Report pipelines; each starts with a $match an index serves (see migration 0004/0005)."""

from educatenext.attendance.repository import AttendanceDayRepository, AttendanceRepository
from educatenext.classrooms.repository import ActiveClassroomsRepository, ClassroomRepository
from educatenext.enrollments.repository import EnrollmentRepository
from educatenext.grades.repository import GradeRepository


def attendance_by_student(scope, classroom_id, start, end, below=None):
    """Per student of a classroom over a period: counts per status and rate (optionally < below)."""
    rate_filter = [{"$match": {"rate": {"$lt": below}}}] if below is not None else []
    return AttendanceRepository(scope).aggregate(
        [
            {"$match": {"classroomId": classroom_id, "date": {"$gte": start, "$lte": end}}},
            {
                "$group": {
                    "_id": "$studentId",
                    "present": {"$sum": {"$cond": [{"$eq": ["$status", "present"]}, 1, 0]}},
                    "late": {"$sum": {"$cond": [{"$eq": ["$status", "late"]}, 1, 0]}},
                    "absent": {"$sum": {"$cond": [{"$eq": ["$status", "absent"]}, 1, 0]}},
                    "excused": {"$sum": {"$cond": [{"$eq": ["$status", "excused"]}, 1, 0]}},
                    "total": {"$sum": 1},
                }
            },
            {
                "$set": {
                    "rate": {
                        "$round": [
                            {
                                "$divide": [
                                    {"$multiply": [{"$add": ["$present", "$late"]}, 100]},
                                    "$total",
                                ]
                            },
                            2,
                        ]
                    }
                }
            },
            *rate_filter,
            {"$sort": {"rate": 1, "_id": 1}},
        ]
    )


def daily_sheet(scope, classroom_id, day):
    """(ids of students enrolled that day, {studentId: record}) - two index-backed reads.

    A correlated $lookup would do this in one pipeline, but the dev server runs it as a scan
    of the attendance collection per student (3.8 s for 40 students and a year of records).
    """
    enrolled = EnrollmentRepository(scope).enrolled_on(classroom_id, day)
    return enrolled, AttendanceRepository(scope).for_classroom_day(classroom_id, day)


def grade_distribution(scope, match):
    """Counts per letter and average percentage of matching grade entries."""
    return GradeRepository(scope).aggregate(
        [
            {"$match": match},
            {
                "$group": {
                    "_id": "$letterGrade",
                    "count": {"$sum": 1},
                    "average": {"$avg": "$percentage"},
                }
            },
            {"$sort": {"_id": 1}},
        ]
    )


# Fetching a classroom by id costs an index seek; one step of a range scan costs far less
# (docs/caching.md): past this share of the school's active classrooms, one scan of them all
# is cheaper than a seek for each missing one.
SEEK_SHARE = 0.25
ROW_FIELDS = {"name": 1, "nameLower": 1, "academicYear": 1, "primaryTeacherId": 1, "status": 1}


def classrooms_without_attendance(scope, day):
    """Active classrooms with no attendance record for the day, by name.

    The day's taken classrooms come from its summary document, not from its records (one per
    student), and the school's active classrooms from theirs. When few are missing (most of a
    school day), the answer is remembered on the day's summary for the current version of
    the active set; later reads check the version and the remembered ids instead of reading
    both sets, then read only the classrooms still missing: the cost follows that handful,
    not the school's size.
    """
    active_classrooms = ActiveClassroomsRepository(scope)
    days = AttendanceDayRepository(scope)
    version = active_classrooms.version()  # before the set: a later change makes it stale
    remembered = days.remembered_missing(day)
    if remembered is not None and remembered.get("version") == version:
        return _classrooms_by_id(scope, set(remembered["ids"]))
    active = active_classrooms.ids()
    taken = days.classrooms_taken(day)
    missing = active - taken
    if len(missing) > SEEK_SHARE * len(active):
        rooms = ClassroomRepository(scope).find(
            {"status": "active"}, sort=[("nameLower", 1)], projection=ROW_FIELDS
        )
        return [room for room in rooms if room["_id"] not in taken]
    if taken:  # no summary yet: nothing to remember it on
        days.remember_missing(day, len(taken), version, missing)
    return _classrooms_by_id(scope, missing)


def _classrooms_by_id(scope, classroom_ids):
    """These classrooms, if still active, by name."""
    if not classroom_ids:
        return []
    # Filtered and sorted here, not by the server: a filter on _id alone keeps the planner on
    # the {institutionId, _id} index (with status and a sort it chose a collection scan).
    rooms = ClassroomRepository(scope).find(
        {"_id": {"$in": sorted(classroom_ids)}}, projection=ROW_FIELDS
    )
    # status again: an archived classroom never shows, even were the summary behind
    rooms = [room for room in rooms if room.get("status") == "active"]
    return sorted(rooms, key=lambda room: room.get("nameLower") or "")
