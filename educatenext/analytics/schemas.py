"""Report parameters and answers."""

from marshmallow import ValidationError, fields, validate, validates_schema

from educatenext.classrooms.schemas import ACADEMIC_YEAR
from educatenext.extensions import QuerySchema, ResponseSchema
from educatenext.grades.scale import SEMESTERS
from educatenext.platform.http.schemas import ObjectIdField, PaginationQuerySchema
from educatenext.students.schemas import CalendarDay

MAX_PERIOD_DAYS = 400


class PeriodQuerySchema(QuerySchema):
    """startDate..endDate (calendar days, at most ~13 months)."""

    startDate = CalendarDay(required=True)
    endDate = CalendarDay(required=True)

    @validates_schema
    def bounded_period(self, data, **kwargs):
        """endDate on or after startDate, and a bounded span."""
        span = (data["endDate"] - data["startDate"]).days
        if span < 0:
            raise ValidationError("Must not be before startDate.", field_name="endDate")
        if span > MAX_PERIOD_DAYS:
            raise ValidationError(f"At most {MAX_PERIOD_DAYS} days.", field_name="endDate")


class ChronicAbsenceQuerySchema(PeriodQuerySchema, PaginationQuerySchema):
    """A classroom, a period and a rate threshold in percent."""

    classroomId = ObjectIdField(required=True)
    threshold = fields.Float(load_default=90.0, validate=validate.Range(min=0, max=100))


class DayQuerySchema(PaginationQuerySchema):
    """One calendar day (default today)."""

    date = CalendarDay()


class DistributionQuerySchema(PaginationQuerySchema):
    """Which grades to count."""

    classroomId = ObjectIdField(required=True)
    subjectId = ObjectIdField()
    academicYear = fields.String(required=True, validate=ACADEMIC_YEAR)
    semester = fields.String(validate=validate.OneOf(SEMESTERS))


class StatusCountsSchema(ResponseSchema):
    """Counts per status and rate."""

    present = fields.Integer()
    absent = fields.Integer()
    late = fields.Integer()
    excused = fields.Integer()
    total = fields.Integer()
    rate = fields.Float(allow_none=True)


class StudentAttendanceSchema(StatusCountsSchema):
    """A student's attendance over a period."""

    studentId = fields.String()
    name = fields.String()
    generatedId = fields.String()


class SheetRowSchema(ResponseSchema):
    """A student's mark on the day (status null when not taken)."""

    studentId = fields.String()
    name = fields.String()
    generatedId = fields.String()
    status = fields.String(allow_none=True)
    method = fields.String(allow_none=True)


class DistributionRowSchema(ResponseSchema):
    """Entries per letter grade."""

    letterGrade = fields.String()
    count = fields.Integer()
    averagePercentage = fields.Float()


class CompletionRowSchema(ResponseSchema):
    """A classroom with no attendance for the day."""

    classroomId = fields.String()
    name = fields.String()
    academicYear = fields.String()
    primaryTeacherId = fields.String(allow_none=True)
