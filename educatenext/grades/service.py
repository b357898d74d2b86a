"""Grade rules: teachers grade their classrooms' enrolled students; scores are computed here;
students and parents see published grades only; every change keeps the previous values."""

from marshmallow import ValidationError

from educatenext.auth.roles import PARENT, STUDENT, TEACHER
from educatenext.classrooms.repository import ClassroomRepository
from educatenext.enrollments.repository import EnrollmentRepository
from educatenext.grades.repository import GradeRepository
from educatenext.grades.scale import grade_for, percentage
from educatenext.grades.schemas import GradeCreateSchema
from educatenext.platform.http.errors import APIError, flatten_messages, not_found, validation_error
from educatenext.platform.values import parse_object_id, today
from educatenext.students.service import visible_student
from educatenext.subjects.repository import SubjectRepository

SCORED = ("obtainedMarks", "maxMarks")
AUDITED = (
    "title",
    "gradeType",
    "maxMarks",
    "obtainedMarks",
    "date",
    "remarks",
    "weightage",
    "percentage",
)


def scores(obtained, maximum):
    """Computed percentage, letter and grade point."""
    value = percentage(obtained, maximum)
    letter, point = grade_for(value)
    return {"percentage": value, "letterGrade": letter, "gradePoint": point}


def _teachable_classroom(identity, classroom_id):
    classroom = ClassroomRepository(identity.scope).get(classroom_id)
    if classroom is None or (
        identity.role == TEACHER and classroom_id not in identity.classroom_ids
    ):
        raise not_found("Classroom")
    return classroom


def create_grade(identity, payload):
    """Store a grade for an enrolled student of a classroom the caller teaches."""
    _teachable_classroom(identity, payload["classroomId"])
    if SubjectRepository(identity.scope).get(payload["subjectId"]) is None:
        raise validation_error({"json": {"subjectId": ["Unknown subject."]}})
    enrollments = EnrollmentRepository(identity.scope)
    if (
        enrollments.find_one(
            {"studentId": payload["studentId"], "classroomId": payload["classroomId"]}
        )
        is None
    ):
        raise APIError(409, "NOT_ENROLLED")
    return GradeRepository(identity.scope).insert(
        {
            "date": today(),
            **payload,
            **scores(payload["obtainedMarks"], payload["maxMarks"]),
            "published": False,
            "publishedAt": None,
            "gradedBy": identity.user_id,
            "history": [],
        }
    )


def bulk_create(identity, items):
    """Create many grades; one result per item, in order."""
    schema = GradeCreateSchema()
    results = []
    for index, item in enumerate(items):
        try:
            grade = create_grade(identity, schema.load(item))
        except ValidationError as error:
            details = flatten_messages(error.messages, "json")
            results.append(
                {
                    "index": index,
                    "status": "error",
                    "error": {"code": "VALIDATION_ERROR", "details": details},
                }
            )
        except APIError as error:
            results.append(
                {
                    "index": index,
                    "status": "error",
                    "error": {"code": error.code, "message": error.message},
                }
            )
        else:
            results.append({"index": index, "status": "created", "id": str(grade["_id"])})
    return results


def get_grade(identity, grade_id):
    """A grade of a classroom the caller teaches (admins: any), or 404."""
    grade = GradeRepository(identity.scope).get(grade_id)
    if grade is None or (
        identity.role == TEACHER and grade["classroomId"] not in identity.classroom_ids
    ):
        raise not_found("Grade")
    return grade


def update_grade(identity, grade_id, changes):
    """Correct a grade; scores are recomputed and the previous values kept in its history."""
    grade = get_grade(identity, grade_id)
    merged = {**grade, **changes}
    if merged["obtainedMarks"] > merged["maxMarks"]:
        raise validation_error({"json": {"obtainedMarks": ["Must not exceed maxMarks."]}})
    changes = {**changes, **scores(merged["obtainedMarks"], merged["maxMarks"])}
    previous = {field: grade.get(field) for field in AUDITED if field in changes}
    return GradeRepository(identity.scope).update_with_history(
        grade["_id"], changes, previous, identity.user_id
    )


def publish(identity, grade_ids):
    """Publish grades (teachers: of their classrooms); returns how many changed."""
    classrooms = identity.classroom_ids if identity.role == TEACHER else None
    return GradeRepository(identity.scope).publish(grade_ids, classrooms)


def _filters(args):
    return {
        key: args[key]
        for key in ("subjectId", "academicYear", "semester")
        if args.get(key) is not None
    }


def class_view(identity, classroom_id, args, page, limit):
    """(a classroom's grades, published or not, newest first; total)."""
    classroom = _teachable_classroom(identity, parse_object_id(classroom_id))
    return GradeRepository(identity.scope).page(
        {"classroomId": classroom["_id"], **_filters(args)},
        sort=[("date", -1), ("_id", -1)],
        page=page,
        limit=limit,
    )


def published_only(identity):
    """Students and parents see published grades only."""
    return identity.role in (STUDENT, PARENT)


def student_view(identity, student_or_user_id, args):
    """{grades, total, student} for the student app."""
    student = visible_student(identity, student_or_user_id)
    query = {"studentId": student["_id"], **_filters(args)}
    if published_only(identity):
        query["published"] = True
    grades = GradeRepository(identity.scope).find(
        query, sort=[("date", -1), ("_id", -1)], limit=2000
    )
    return {
        "grades": grades,
        "total": len(grades),
        "student": {
            "id": str(student["_id"]),
            "name": student["name"],
            "generatedId": student.get("generatedId"),
        },
    }


def subject_names(identity, results):
    """{subjectId: name} for the subjects in aggregation results."""
    ids = {subject["subjectId"] for result in results for subject in result["subjects"]}
    found = SubjectRepository(identity.scope).find(
        {"_id": {"$in": list(ids)}}, projection={"name": 1}
    )
    return {doc["_id"]: doc["name"] for doc in found}


def describe_subjects(subjects, names):
    """Add letters and names to a pipeline's per-subject results."""
    described = []
    for subject in sorted(subjects, key=lambda s: names.get(s["subjectId"], "")):
        letter, _ = grade_for(subject["percentage"])
        described.append({**subject, "subjectId": str(subject["subjectId"]), "letterGrade": letter,
                          "subjectName": names.get(subject["subjectId"])})  # fmt: skip
    return described


def gpa(identity, student_id, args):
    """Weighted GPA for a year (and semester), from one aggregation pipeline."""
    student = visible_student(identity, student_id)
    match = {"studentId": student["_id"], "academicYear": args["academicYear"]}
    if args.get("semester"):
        match["semester"] = args["semester"]
    if published_only(identity):
        match["published"] = True
    results = GradeRepository(identity.scope).subject_results(match)
    base = {
        "studentId": str(student["_id"]),
        "academicYear": args["academicYear"],
        "semester": args.get("semester"),
    }
    if not results:
        return {**base, "gpa": None, "overallPercentage": None, "subjects": []}
    [result] = results
    subjects = describe_subjects(result["subjects"], subject_names(identity, results))
    return {
        **base,
        "gpa": result["gpa"],
        "overallPercentage": result["overall"],
        "subjects": subjects,
    }
