"""Report cards from grades and attendance: per-subject results, GPA, computed class rank."""

from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from educatenext.attendance.repository import AttendanceRepository, status_counts
from educatenext.auth.roles import PARENT, STUDENT, TEACHER
from educatenext.grades import service as grade_service
from educatenext.grades.repository import GradeRepository, ReportCardRepository
from educatenext.grades.scale import grade_for
from educatenext.platform.http.errors import APIError, not_found
from educatenext.platform.values import utcnow
from educatenext.students.service import visible_student


def academic_year_bounds(academic_year):
    """1 August of the first year to 31 July of the second (calendar days, UTC)."""
    first, second = (int(year) for year in academic_year.split("-"))
    return datetime(first, 8, 1, tzinfo=UTC), datetime(second, 7, 31, tzinfo=UTC)


def rank_of(student_id, results):
    """Competition rank (1, 2, 2, 4) by GPA, then overall percentage."""
    ordered = sorted(results, key=lambda r: (-r["gpa"], -r["overall"]))
    for position, result in enumerate(ordered):
        if result["_id"] == student_id:
            key = (result["gpa"], result["overall"])
            return 1 + sum(
                1 for other in ordered[:position] if (other["gpa"], other["overall"]) != key
            )
    return None


def generate(identity, payload):
    """Compute and store the student's report card for a year and semester (while unpublished)."""
    student = visible_student(identity, payload["studentId"])
    classroom_id = student.get("classroomId")
    period = {"academicYear": payload["academicYear"], "semester": payload["semester"]}
    grades = GradeRepository(identity.scope)
    class_results = (
        grades.subject_results({"classroomId": classroom_id, **period}) if classroom_id else []
    )
    mine = next((r for r in class_results if r["_id"] == student["_id"]), None)
    if mine is None:
        mine_list = grades.subject_results({"studentId": student["_id"], **period})
        mine = mine_list[0] if mine_list else None
    start, end = academic_year_bounds(payload["academicYear"])
    attendance = status_counts(
        AttendanceRepository(identity.scope),
        {"studentId": student["_id"], "date": {"$gte": start, "$lte": end}},
    )
    subjects = []
    if mine:
        names = grade_service.subject_names(identity, [mine])
        subjects = grade_service.describe_subjects(mine["subjects"], names)
    card = {
        "studentId": student["_id"],
        "classroomId": classroom_id,
        **period,
        "subjects": subjects,
        "overallPercentage": mine["overall"] if mine else None,
        "overallGrade": grade_for(mine["overall"])[0] if mine else None,
        "gpa": mine["gpa"] if mine else None,
        "classRank": rank_of(student["_id"], class_results) if mine else None,
        "classSize": len(class_results),
        "attendance": attendance,
        "remarks": payload.get("remarks"),
        "published": False,
        "publishedAt": None,
        "generatedBy": identity.user_id,
    }
    reports = ReportCardRepository(identity.scope)
    key = {"studentId": student["_id"], **period}
    existing = reports.find_one(key)
    if existing is not None:
        if existing.get("published"):
            raise APIError(
                409, "CONFLICT", "This report card is published; it can no longer change."
            )
        return reports.update(existing["_id"], card, extra_filter={"published": False}), False
    try:
        return reports.insert(card), True
    except DuplicateKeyError:
        raise APIError(409, "CONFLICT", "A report card for this period was just created.") from None


def publish(identity, report_id):
    """Publish a report card to the student and parents."""
    report = get_report(identity, report_id)
    if report.get("published"):
        return report
    return ReportCardRepository(identity.scope).update(
        report["_id"], {"published": True, "publishedAt": utcnow()}
    )


def get_report(identity, report_id):
    """A report card the caller may see, or 404."""
    report = ReportCardRepository(identity.scope).get(report_id)
    if report is None:
        raise not_found("Report card")
    visible_student(identity, report["studentId"])
    if grade_service.published_only(identity) and not report.get("published"):
        raise not_found("Report card")
    return report


def list_reports(identity, args, page, limit):
    """(report cards, total): students and parents their own published; teachers their classes'."""
    student_id = args.get("studentId")
    if student_id is not None:
        query = {"studentId": visible_student(identity, student_id)["_id"]}
    elif identity.role == STUDENT:
        query = {"studentId": identity.student_id}
    elif identity.role == PARENT:
        query = {"studentId": {"$in": list(identity.child_student_ids)}}
    elif identity.role == TEACHER:
        query = {"classroomId": {"$in": list(identity.classroom_ids)}}
    else:
        query = {}
    for field in ("academicYear", "semester"):
        if args.get(field):
            query[field] = args[field]
    if grade_service.published_only(identity):
        query["published"] = True
    return ReportCardRepository(identity.scope).page(
        query, sort=[("academicYear", -1), ("semester", 1), ("_id", 1)], page=page, limit=limit
    )
