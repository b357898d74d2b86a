"""Report pipelines; each starts with a $match an index serves (see migration 0004/0005)."""

from educatenext.attendance.repository import AttendanceRepository
from educatenext.classrooms.repository import ClassroomRepository
from educatenext.enrollments.repository import EnrollmentRepository
from educatenext.grades.repository import GradeRepository


def _match_equal(*pairs):
    """A $lookup sub-pipeline $match: every (field expression, value) pair equal."""
    return {"$match": {"$expr": {"$and": [{"$eq": [left, right]} for left, right in pairs]}}}


def _student_names(scope):
    """A $lookup stage adding {name, generatedId} of studentId (same tenant)."""
    return {
        "$lookup": {
            "from": "students",
            "let": {"sid": "$_id"},
            "pipeline": [
                _match_equal(("$_id", "$$sid"), ("$institutionId", scope.institution_id)),
                {"$project": {"name": 1, "generatedId": 1}},
            ],
            "as": "student",
        }
    }


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
            _student_names(scope),
            {"$sort": {"rate": 1, "_id": 1}},
        ]
    )


def daily_sheet(scope, classroom_id, day):
    """Every student enrolled that day with their mark (or none), by name."""
    return EnrollmentRepository(scope).aggregate(
        [
            {"$match": {"classroomId": classroom_id, "startDate": {"$lte": day}}},
            {"$match": {"$or": [{"endDate": None}, {"endDate": {"$gt": day}}]}},
            {
                "$lookup": {
                    "from": "attendance",
                    "let": {"sid": "$studentId"},
                    "pipeline": [
                        _match_equal(
                            ("$institutionId", scope.institution_id),
                            ("$studentId", "$$sid"),
                            ("$classroomId", classroom_id),
                            ("$date", day),
                        ),
                        {"$project": {"status": 1, "method": 1}},
                    ],
                    "as": "mark",
                }
            },
            {"$set": {"_id": "$studentId"}},
            _student_names(scope),
            {"$project": {"mark": 1, "student": 1}},
        ]
    )


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


def classrooms_without_attendance(scope, day):
    """Active classrooms with no attendance record for the day."""
    return ClassroomRepository(scope).aggregate(
        [
            {"$match": {"status": "active"}},
            {
                "$lookup": {
                    "from": "attendance",
                    "let": {"cid": "$_id"},
                    "pipeline": [
                        _match_equal(
                            ("$institutionId", scope.institution_id),
                            ("$classroomId", "$$cid"),
                            ("$date", day),
                        ),
                        {"$limit": 1},
                    ],
                    "as": "taken",
                }
            },
            {"$match": {"taken": {"$size": 0}}},
            {
                "$project": {
                    "name": 1,
                    "academicYear": 1,
                    "primaryTeacherId": 1,
                    "teacherUserIds": 1,
                }
            },
            {"$sort": {"name": 1}},
        ]
    )
