"""Attendance and grade reports: aggregation pipelines and indexed reads, scoped like the rest."""

from educatenext.analytics import repository as pipelines
from educatenext.attendance.repository import AttendanceRepository, status_counts
from educatenext.attendance.service import check_classroom
from educatenext.platform.values import today
from educatenext.students.repository import StudentRepository
from educatenext.students.service import visible_student


def _person(student_id, names):
    """{studentId, name, generatedId} from a names_by_id map."""
    student = names.get(student_id, {})
    return {
        "studentId": str(student_id),
        "name": student.get("name"),
        "generatedId": student.get("generatedId"),
    }


def student_summary(identity, student_id, args):
    """A student's counts per status and attendance rate over a period."""
    student = visible_student(identity, student_id)
    match = {
        "studentId": student["_id"],
        "date": {"$gte": args["startDate"], "$lte": args["endDate"]},
    }
    counts = status_counts(AttendanceRepository(identity.scope), match)
    return {"studentId": str(student["_id"]), "name": student["name"],
            "generatedId": student.get("generatedId"), **counts}  # fmt: skip


def daily_sheet(identity, classroom_id, args):
    """The classroom's students on a day with their marks (status null: not taken)."""
    classroom = check_classroom(identity, classroom_id)
    day = args.get("date") or today()
    enrolled, marks = pipelines.daily_sheet(identity.scope, classroom["_id"], day)
    names = StudentRepository(identity.scope).names_in_classroom(classroom["_id"], enrolled)
    sheet = []
    for student_id in enrolled:
        mark = marks.get(student_id, {})
        sheet.append(
            {
                **_person(student_id, names),
                "status": mark.get("status"),
                "method": mark.get("method"),
            }
        )
    return sorted(sheet, key=lambda r: r["name"] or "")


def chronic_absence(identity, args):
    """Students of a classroom whose attendance rate is under the threshold over a period."""
    classroom = check_classroom(identity, args["classroomId"])
    rows = pipelines.attendance_by_student(
        identity.scope,
        classroom["_id"],
        args["startDate"],
        args["endDate"],
        below=args["threshold"],
    )
    keys = ("present", "absent", "late", "excused", "total", "rate")
    # by id: the students under the threshold are a few of the classroom's
    names = StudentRepository(identity.scope).names_by_id(row["_id"] for row in rows)
    return [{**_person(row["_id"], names), **{key: row[key] for key in keys}} for row in rows]


def grade_distribution(identity, args):
    """Entries per letter grade (and their average) for a classroom, subject and period."""
    classroom = check_classroom(identity, args["classroomId"])
    match = {"classroomId": classroom["_id"], "academicYear": args["academicYear"]}
    if args.get("semester"):
        match["semester"] = args["semester"]
    if args.get("subjectId"):
        match["subjectId"] = args["subjectId"]
    rows = pipelines.grade_distribution(identity.scope, match)
    return [
        {"letterGrade": r["_id"], "count": r["count"], "averagePercentage": round(r["average"], 2)}
        for r in rows
    ]


def completion(identity, args):
    """Active classrooms where no attendance was taken on the day."""
    rows = pipelines.classrooms_without_attendance(identity.scope, args.get("date") or today())
    return [
        {"classroomId": str(r["_id"]), "name": r["name"], "academicYear": r.get("academicYear"),
         "primaryTeacherId": str(r["primaryTeacherId"]) if r.get("primaryTeacherId") else None}
        for r in rows
    ]  # fmt: skip
