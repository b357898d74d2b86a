"""Teacher payloads."""

from marshmallow import ValidationError, fields, validate, validates_schema

from educatenext.extensions import StrictSchema
from educatenext.platform.http.listing import ListQuerySchema, sort_field
from educatenext.platform.http.schemas import ObjectIdField, ResourceSchema
from educatenext.users.schemas import NAME, EmailField

STATUSES = ("active", "inactive")
EMPLOYEE_ID = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9-]{0,29}$", error="1-30 letters, digits or dashes."
)


class TeacherCreateSchema(StrictSchema):
    """Link an existing teacher user (userId), or create the account (name, email, password)."""

    userId = ObjectIdField(metadata={"description": "An existing user with the teacher role"})
    name = fields.String(validate=NAME, metadata={"example": "Tina Teacher"})
    email = EmailField(metadata={"example": "tina@greenfield.org"})
    password = fields.String(load_only=True, validate=validate.Length(max=128))
    employeeId = fields.String(required=True, validate=EMPLOYEE_ID, metadata={"example": "T-0042"})
    qualifications = fields.List(
        fields.String(validate=validate.Length(max=120)), validate=validate.Length(max=20)
    )
    subjectIds = fields.List(ObjectIdField(), validate=validate.Length(max=30))
    phone = fields.String(validate=validate.Length(max=30))

    @validates_schema
    def user_or_account(self, data, **kwargs):
        """Exactly one way of naming the teacher's account."""
        account = {"name", "email", "password"} & data.keys()
        if "userId" in data and account:
            raise ValidationError(
                "Give userId or name/email/password, not both.", field_name="userId"
            )
        if "userId" not in data and account != {"name", "email", "password"}:
            raise ValidationError(
                "name, email and password are required without userId.", field_name="email"
            )


class TeacherUpdateSchema(StrictSchema):
    """Editable profile fields (classroom assignments are made on the classroom)."""

    employeeId = fields.String(validate=EMPLOYEE_ID)
    qualifications = fields.List(
        fields.String(validate=validate.Length(max=120)), validate=validate.Length(max=20)
    )
    subjectIds = fields.List(ObjectIdField(), validate=validate.Length(max=30))
    phone = fields.String(validate=validate.Length(max=30), allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))


class TeacherSchema(ResourceSchema):
    """A teacher with their name."""

    userId = ObjectIdField()
    name = fields.String(metadata={"example": "Tina Teacher"})
    email = fields.String()
    employeeId = fields.String(metadata={"example": "T-0042"})
    qualifications = fields.List(fields.String())
    subjectIds = fields.List(ObjectIdField())
    classroomIds = fields.List(ObjectIdField())
    phone = fields.String()
    status = fields.String()


class TeacherEnvelopeSchema(StrictSchema):
    """{message, teacher}."""

    message = fields.String()
    teacher = fields.Nested(TeacherSchema)


class TeacherQuerySchema(ListQuerySchema):
    """Filters: status, q; sort by name or employeeId."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    sort = sort_field("name", "employeeId")
