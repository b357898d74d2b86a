"""Student payloads and representations (summary, detail with role-filtered fields)."""

from datetime import UTC, date, datetime

from marshmallow import fields, validate

from educatenext.extensions import StrictSchema
from educatenext.platform.http.listing import ListQuerySchema, sort_field
from educatenext.platform.http.schemas import SNAKE_CODE, ObjectIdField, ResourceSchema

STATUSES = ("active", "inactive", "graduated", "transferred")
PHONE = validate.Regexp(r"^\+?[0-9 ()-]{5,25}$", error="Not a valid phone number.")


class CalendarDay(fields.Date):
    """A calendar day on the wire (YYYY-MM-DD), midnight UTC in MongoDB."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime):
            value = value.date()
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not date(1900, 1, 1) <= day <= date(2200, 1, 1):
            raise self.make_error("invalid")
        return datetime(day.year, day.month, day.day, tzinfo=UTC)


class GuardianSchema(StrictSchema):
    """A guardian's contact details."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    relationship = fields.String(validate=validate.Length(max=40))
    phone = fields.String(validate=PHONE)
    email = fields.Email(validate=validate.Length(max=254))


class EmergencyContactSchema(StrictSchema):
    """Who to call."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    relationship = fields.String(validate=validate.Length(max=40))
    phone = fields.String(required=True, validate=PHONE)


class StudentFieldsMixin(StrictSchema):
    """Fields shared by create and update."""

    contactEmail = fields.Email(validate=validate.Length(max=254), allow_none=True)
    contactPhone = fields.String(validate=PHONE, allow_none=True)
    dateOfBirth = CalendarDay(allow_none=True, metadata={"example": "2015-03-02"})
    guardianInfo = fields.List(fields.Nested(GuardianSchema), validate=validate.Length(max=6))
    emergencyContacts = fields.List(
        fields.Nested(EmergencyContactSchema), validate=validate.Length(max=6)
    )
    medicalNotes = fields.String(validate=validate.Length(max=2000), allow_none=True)
    photoUrl = fields.Url(schemes={"https"}, validate=validate.Length(max=500), allow_none=True)
    nationalId = fields.String(validate=validate.Length(max=40), allow_none=True)
    birthCertificateNumber = fields.String(validate=validate.Length(max=40), allow_none=True)
    feeCategory = fields.String(
        validate=SNAKE_CODE, allow_none=True,
        metadata={"description": "Which category amounts of a fee structure bill them",
                  "example": "staff_child"},
    )  # fmt: skip
    userId = ObjectIdField(
        allow_none=True, metadata={"description": "The student's own user account"}
    )
    guardianUserIds = fields.List(ObjectIdField(), validate=validate.Length(max=6))


class StudentCreateSchema(StudentFieldsMixin):
    """A new student; classroomId enrolls them at once (capacity permitting)."""

    name = fields.String(
        required=True, validate=validate.Length(min=1, max=120), metadata={"example": "Sam Student"}
    )
    admissionYear = fields.Integer(
        required=True, validate=validate.Range(min=1990, max=2100), metadata={"example": 2025}
    )
    classroomId = ObjectIdField(metadata={"description": "Enroll into this classroom"})


class StudentUpdateSchema(StudentFieldsMixin):
    """Editable fields; classroom moves go through enrollments."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    admissionYear = fields.Integer(validate=validate.Range(min=1990, max=2100))
    status = fields.String(validate=validate.OneOf(STATUSES))


class ClassroomRefSchema(StrictSchema):
    """{_id, id, name} of the student's classroom."""

    id = fields.String()
    _id = fields.String(data_key="_id")
    name = fields.String()


class StudentSummarySchema(ResourceSchema):
    """The list shape the web client reads."""

    class Meta(ResourceSchema.Meta):
        exclude = ("createdAt", "updatedAt")

    name = fields.String(metadata={"example": "Sam Student"})
    generatedId = fields.String(metadata={"example": "S2025-00042"})
    admissionYear = fields.Integer(metadata={"example": 2025})
    classroomId = fields.Nested(ClassroomRefSchema, allow_none=True)
    status = fields.String()


class StudentSchema(StudentSummarySchema):
    """The detail shape; sensitive fields appear only for roles that need them."""

    class Meta(ResourceSchema.Meta):
        exclude = ()

    contactEmail = fields.String()
    contactPhone = fields.String()
    dateOfBirth = CalendarDay()
    photoUrl = fields.String()
    userId = ObjectIdField()
    guardianUserIds = fields.List(ObjectIdField())
    guardianInfo = fields.List(fields.Nested(GuardianSchema))
    emergencyContacts = fields.List(fields.Nested(EmergencyContactSchema))
    medicalNotes = fields.String()
    nationalId = fields.String()
    birthCertificateNumber = fields.String()
    feeCategory = fields.String(allow_none=True)


class StudentEnvelopeSchema(StrictSchema):
    """{message, student}."""

    message = fields.String()
    student = fields.Nested(StudentSchema)


class StudentQuerySchema(ListQuerySchema):
    """Filters: status, classroomId, q; sort by name, generatedId, admissionYear, createdAt."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    classroomId = ObjectIdField()
    sort = sort_field("name", "generatedId", "admissionYear", "createdAt")


class StudentBulkSchema(StrictSchema):
    """Up to 200 students; each is validated on its own and gets its own result."""

    students = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=200))


class BulkItemResultSchema(StrictSchema):
    """One item's outcome."""

    index = fields.Integer()
    status = fields.String(metadata={"example": "created"})
    id = fields.String()
    generatedId = fields.String()
    studentId = fields.String()
    error = fields.Raw()


class BulkResultSchema(StrictSchema):
    """{message, created|enrolled, failed, results}."""

    message = fields.String()
    succeeded = fields.Integer()
    failed = fields.Integer()
    results = fields.List(fields.Nested(BulkItemResultSchema))
