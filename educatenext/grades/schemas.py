"""Grade payloads: percentage, letter and grade point are computed, never accepted."""

from marshmallow import ValidationError, fields, validate, validates_schema

from educatenext.classrooms.schemas import ACADEMIC_YEAR
from educatenext.extensions import QuerySchema, StrictSchema
from educatenext.grades.scale import GRADE_TYPES, SEMESTERS
from educatenext.platform.http.schemas import (
    ObjectIdField,
    PaginationQuerySchema,
    ResourceSchema,
    UTCDateTime,
)
from educatenext.students.schemas import CalendarDay

MARKS = validate.Range(min=0, max=1000)


class GradeFieldsMixin(StrictSchema):
    """Checks shared by create and update."""

    @validates_schema
    def obtained_within_max(self, data, **kwargs):
        """obtainedMarks <= maxMarks (when both are present)."""
        if (
            "obtainedMarks" in data
            and "maxMarks" in data
            and data["obtainedMarks"] > data["maxMarks"]
        ):
            raise ValidationError("Must not exceed maxMarks.", field_name="obtainedMarks")


class GradeCreateSchema(GradeFieldsMixin):
    """A grade entry."""

    studentId = ObjectIdField(required=True)
    subjectId = ObjectIdField(required=True)
    classroomId = ObjectIdField(required=True)
    academicYear = fields.String(
        required=True, validate=ACADEMIC_YEAR, metadata={"example": "2025-2026"}
    )
    semester = fields.String(required=True, validate=validate.OneOf(SEMESTERS))
    gradeType = fields.String(required=True, validate=validate.OneOf(GRADE_TYPES))
    title = fields.String(
        required=True, validate=validate.Length(min=1, max=120), metadata={"example": "Unit test 1"}
    )
    maxMarks = fields.Float(
        required=True, validate=validate.Range(min=0, min_inclusive=False, max=1000)
    )
    obtainedMarks = fields.Float(required=True, validate=MARKS)
    date = CalendarDay()
    remarks = fields.String(validate=validate.Length(max=500))
    weightage = fields.Float(
        load_default=1.0, validate=validate.Range(min=0, min_inclusive=False, max=100)
    )


class GradeUpdateSchema(GradeFieldsMixin):
    """Correctable fields (the previous values go to the grade's history)."""

    title = fields.String(validate=validate.Length(min=1, max=120))
    gradeType = fields.String(validate=validate.OneOf(GRADE_TYPES))
    maxMarks = fields.Float(validate=validate.Range(min=0, min_inclusive=False, max=1000))
    obtainedMarks = fields.Float(validate=MARKS)
    date = CalendarDay()
    remarks = fields.String(validate=validate.Length(max=500))
    weightage = fields.Float(validate=validate.Range(min=0, min_inclusive=False, max=100))


class GradeHistorySchema(StrictSchema):
    """One change of a grade."""

    changedAt = UTCDateTime()
    changedBy = ObjectIdField()
    previous = fields.Dict()


class GradeSchema(ResourceSchema):
    """A grade with its computed percentage, letter and grade point."""

    studentId = ObjectIdField()
    subjectId = ObjectIdField()
    classroomId = ObjectIdField()
    academicYear = fields.String()
    semester = fields.String()
    gradeType = fields.String()
    title = fields.String()
    maxMarks = fields.Float()
    obtainedMarks = fields.Float()
    percentage = fields.Float(metadata={"example": 86.5})
    letterGrade = fields.String(metadata={"example": "A"})
    gradePoint = fields.Float(metadata={"example": 3.7})
    weightage = fields.Float()
    date = CalendarDay()
    remarks = fields.String()
    published = fields.Boolean()
    publishedAt = UTCDateTime()
    gradedBy = ObjectIdField()
    history = fields.List(fields.Nested(GradeHistorySchema))


class GradeEnvelopeSchema(StrictSchema):
    """{message, grade}."""

    message = fields.String()
    grade = fields.Nested(GradeSchema)


class GradeBulkSchema(StrictSchema):
    """Up to 200 grades; each validated and stored on its own."""

    grades = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=200))


class PublishSchema(StrictSchema):
    """{gradeIds}."""

    gradeIds = fields.List(ObjectIdField(), required=True, validate=validate.Length(min=1, max=500))


class PublishResultSchema(StrictSchema):
    """How many grades became visible to students and parents."""

    message = fields.String()
    published = fields.Integer()


class GradeFilterSchema(QuerySchema):
    """Filters for the class and student views."""

    subjectId = ObjectIdField()
    academicYear = fields.String(validate=ACADEMIC_YEAR)
    semester = fields.String(validate=validate.OneOf(SEMESTERS))


class ClassGradesQuerySchema(GradeFilterSchema, PaginationQuerySchema):
    """Filters and paging for a classroom's grades."""


class GPAQuerySchema(QuerySchema):
    """academicYear (required) and semester (optional: the whole year)."""

    academicYear = fields.String(required=True, validate=ACADEMIC_YEAR)
    semester = fields.String(validate=validate.OneOf(SEMESTERS))


class StudentRefSchema(StrictSchema):
    """{id, name, generatedId}."""

    id = fields.String()
    name = fields.String()
    generatedId = fields.String()


class StudentGradesSchema(StrictSchema):
    """The student app's shape: {grades, total, student}."""

    grades = fields.List(fields.Nested(GradeSchema))
    total = fields.Integer()
    student = fields.Nested(StudentRefSchema)


class SubjectResultSchema(StrictSchema):
    """A subject's weighted result."""

    subjectId = fields.String()
    subjectName = fields.String()
    percentage = fields.Float()
    letterGrade = fields.String()
    gradePoint = fields.Float()
    entries = fields.Integer()


class GPASchema(StrictSchema):
    """Weighted GPA of a student for a year (and semester)."""

    studentId = fields.String()
    academicYear = fields.String()
    semester = fields.String(allow_none=True)
    gpa = fields.Float(allow_none=True, metadata={"example": 3.52})
    overallPercentage = fields.Float(allow_none=True)
    subjects = fields.List(fields.Nested(SubjectResultSchema))
