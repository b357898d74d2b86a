"""/api/v1/grades: entry, bulk entry, publishing, class and student views, GPA."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import bulk_limits, resource_limits
from educatenext.auth.roles import ADMIN, PARENT, STUDENT, TEACHER
from educatenext.caching.responses import cached
from educatenext.extensions import Blueprint
from educatenext.grades import service
from educatenext.grades.schemas import (
    ClassGradesQuerySchema,
    GPAQuerySchema,
    GPASchema,
    GradeBulkSchema,
    GradeCreateSchema,
    GradeEnvelopeSchema,
    GradeFilterSchema,
    GradeSchema,
    GradeUpdateSchema,
    PublishResultSchema,
    PublishSchema,
    StudentGradesSchema,
)
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.platform.mongo.bulk import bulk_answer
from educatenext.students.schemas import BulkResultSchema

blp = Blueprint("grades", __name__, url_prefix="/grades", description="Grades and GPA")
GRADERS = (ADMIN, TEACHER)
READERS = (ADMIN, TEACHER, STUDENT, PARENT)
EXAMPLE = {
    "studentId": "665f1c2e9b1e8a3d4c5b6a79",
    "subjectId": "665f1c2e9b1e8a3d4c5b6a71",
    "classroomId": "665f1c2e9b1e8a3d4c5b6a70",
    "academicYear": "2025-2026",
    "semester": "first",
    "gradeType": "exam",
    "title": "Mid-term",
    "maxMarks": 100,
    "obtainedMarks": 86.5,
    "weightage": 2,
}


@blp.route("")
class GradeCreate(MethodView):
    """Grade entry."""

    decorators = resource_limits()

    @allow(*GRADERS)
    @idempotent
    @blp.arguments(GradeCreateSchema, example=EXAMPLE)
    @blp.response(201, GradeEnvelopeSchema)
    def post(self, payload):
        """Enter a grade (percentage, letter and grade point are computed)."""
        return {
            "message": "Grade recorded.",
            "grade": service.create_grade(current_identity(), payload),
        }


@blp.route("/bulk")
class GradeBulk(MethodView):
    """Bulk entry."""

    decorators = bulk_limits()

    @allow(*GRADERS)
    @idempotent
    @blp.arguments(GradeBulkSchema, example={"grades": [EXAMPLE]})
    @blp.response(200, BulkResultSchema)
    def post(self, payload):
        """Enter up to 200 grades; one result per item."""
        return bulk_answer(service.bulk_create(current_identity(), payload["grades"]), "created")


@blp.route("/publish")
class GradePublish(MethodView):
    """Publishing."""

    decorators = resource_limits()

    @allow(*GRADERS)
    @idempotent
    @blp.arguments(PublishSchema)
    @blp.response(200, PublishResultSchema)
    def post(self, payload):
        """Publish grades to students and parents."""
        count = service.publish(current_identity(), payload["gradeIds"])
        return {"message": f"{count} grade(s) published.", "published": count}


@blp.route("/<grade_id>")
class GradeDetail(MethodView):
    """One grade."""

    decorators = resource_limits()

    @allow(*GRADERS)
    @cached("grades")
    @blp.response(200, GradeSchema)
    def get(self, grade_id):
        """Get a grade with its history."""
        return service.get_grade(current_identity(), grade_id)

    @allow(*GRADERS)
    @blp.arguments(GradeUpdateSchema)
    @blp.response(200, GradeEnvelopeSchema)
    def patch(self, changes, grade_id):
        """Correct a grade (the previous values are kept in its history)."""
        return {
            "message": "Grade updated.",
            "grade": service.update_grade(current_identity(), grade_id, changes),
        }


@blp.route("/class/<classroom_id>")
class ClassGrades(MethodView):
    """A classroom's grades."""

    decorators = resource_limits()

    @allow(*GRADERS)
    @cached("grades")
    @blp.arguments(ClassGradesQuerySchema, location="query")
    @blp.response(200, GradeSchema(many=True))
    def get(self, args, classroom_id):
        """All grades of a classroom, published or not."""
        page, limit = page_window(args)
        items, total = service.class_view(current_identity(), classroom_id, args, page, limit)
        return items, 200, pagination_headers(total, page, limit)


@blp.route("/student/<student_id>")
class StudentGrades(MethodView):
    """A student's grades."""

    decorators = resource_limits()

    @allow(*READERS)
    @cached("grades")
    @blp.arguments(GradeFilterSchema, location="query")
    @blp.response(200, StudentGradesSchema)
    def get(self, args, student_id):
        """A student's grades (Student or User id); students and parents see published ones."""
        return service.student_view(current_identity(), student_id, args)


@blp.route("/gpa/<student_id>")
class StudentGPA(MethodView):
    """A student's GPA."""

    decorators = resource_limits()

    @allow(*READERS)
    @cached("grades")
    @blp.arguments(GPAQuerySchema, location="query")
    @blp.response(200, GPASchema)
    def get(self, args, student_id):
        """Weighted GPA for an academic year (and semester)."""
        return service.gpa(current_identity(), student_id, args)
