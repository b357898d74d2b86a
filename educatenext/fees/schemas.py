"""Fee structure, invoice and payment payloads: amounts are integers of minor units."""

from marshmallow import ValidationError, fields, validate, validates_schema

from educatenext.classrooms.schemas import ACADEMIC_YEAR
from educatenext.extensions import StrictSchema
from educatenext.fees.money import BASIS_POINTS, MAX_AMOUNT_MINOR
from educatenext.platform.http.listing import SortedQuerySchema, sort_field
from educatenext.platform.http.schemas import (
    SNAKE_CODE,
    ObjectIdField,
    PaginationQuerySchema,
    ResourceSchema,
    UTCDateTime,
)
from educatenext.students.schemas import CalendarDay

STRUCTURE_STATUSES = ("active", "archived")
INVOICE_STATUSES = ("draft", "issued", "partially_paid", "paid", "void")
METHODS = ("cash", "card", "bank_transfer", "online")
REASON = validate.Length(min=3, max=300)


def amount_field(**kwargs):
    """An amount in minor units (cents): a whole number, never a float."""
    metadata = {
        "description": "Minor units of the school's currency (1050 = 10.50)",
        **kwargs.pop("metadata", {}),
    }
    return fields.Integer(
        strict=True,
        validate=validate.Range(min=kwargs.pop("minimum", 1), max=MAX_AMOUNT_MINOR),
        metadata=metadata,
        **kwargs,
    )


class FeeHeadSchema(StrictSchema):
    """One line of a structure: tuition, transport, exam..."""

    code = fields.String(required=True, validate=SNAKE_CODE, metadata={"example": "tuition"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    amountMinor = amount_field(required=True, metadata={"example": 150000})
    categoryAmounts = fields.Dict(
        keys=fields.String(validate=SNAKE_CODE),
        values=amount_field(minimum=0),
        validate=validate.Length(max=20),
        metadata={
            "description": "What students of a fee category pay instead (0: not billed)",
            "example": {"staff_child": 0, "sibling": 120000},
        },
    )


class InstalmentSchema(StrictSchema):
    """When a share of the total falls due."""

    dueDate = CalendarDay(required=True, metadata={"example": "2026-01-15"})


class LateFeeSchema(StrictSchema):
    """A fixed charge once an instalment is this many days overdue."""

    amountMinor = amount_field(required=True)
    graceDays = fields.Integer(strict=True, required=True, validate=validate.Range(0, 365))


class FeeStructureCreateSchema(StrictSchema):
    """What a school charges for a year."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    academicYear = fields.String(required=True, validate=ACADEMIC_YEAR)
    classroomIds = fields.List(
        ObjectIdField(), load_default=list, validate=validate.Length(max=200),
        metadata={"description": "Classrooms it applies to; empty: any"},
    )  # fmt: skip
    heads = fields.List(
        fields.Nested(FeeHeadSchema), required=True, validate=validate.Length(min=1, max=30)
    )
    instalments = fields.List(
        fields.Nested(InstalmentSchema), required=True, validate=validate.Length(min=1, max=12)
    )
    lateFee = fields.Nested(LateFeeSchema, allow_none=True)

    @validates_schema
    def distinct_heads_and_ordered_dates(self, data, **kwargs):
        """Each head once; instalments in date order."""
        codes = [head["code"] for head in data.get("heads", [])]
        if len(codes) != len(set(codes)):
            raise ValidationError("Each head code once.", "heads")
        days = [instalment["dueDate"] for instalment in data.get("instalments", [])]
        if days != sorted(set(days)):
            raise ValidationError("Due dates distinct and in order.", "instalments")


class FeeStructureUpdateSchema(StrictSchema):
    """A structure's name and status; amounts change by a new structure, not in place."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    status = fields.String(validate=validate.OneOf(STRUCTURE_STATUSES))


class FeeStructureSchema(ResourceSchema):
    """A fee structure."""

    name = fields.String()
    academicYear = fields.String()
    classroomIds = fields.List(fields.String())
    currency = fields.String(metadata={"example": "USD"})
    heads = fields.List(fields.Nested(FeeHeadSchema))
    totalMinor = fields.Integer()
    instalments = fields.List(fields.Nested(InstalmentSchema))
    lateFee = fields.Nested(LateFeeSchema, allow_none=True)
    status = fields.String()


class FeeStructureEnvelopeSchema(StrictSchema):
    """{message, structure}."""

    message = fields.String()
    structure = fields.Nested(FeeStructureSchema)


class FeeStructureQuerySchema(SortedQuerySchema):
    """Filters: academicYear, status."""

    academicYear = fields.String(validate=ACADEMIC_YEAR)
    status = fields.String(validate=validate.OneOf(STRUCTURE_STATUSES))


class InvoiceGenerateSchema(StrictSchema):
    """Whom to bill from a structure: a classroom's active students, or named students."""

    classroomId = ObjectIdField()
    studentIds = fields.List(ObjectIdField(), validate=validate.Length(min=1, max=500))
    issue = fields.Boolean(load_default=False, metadata={"description": "Issue at once"})

    @validates_schema
    def one_target(self, data, **kwargs):
        """A classroom or a list of students, not both."""
        if ("classroomId" in data) == ("studentIds" in data):
            raise ValidationError("Give classroomId or studentIds.", "classroomId")


class InstalmentDueSchema(StrictSchema):
    """An instalment of an invoice."""

    dueDate = CalendarDay()
    amountMinor = fields.Integer()


class InvoiceLineSchema(StrictSchema):
    """A billed head."""

    code = fields.String()
    name = fields.String()
    amountMinor = fields.Integer()


class DiscountSchema(StrictSchema):
    """A discount or waiver: a fixed amount or a percentage (basis points), with a reason."""

    reason = fields.String(required=True, validate=REASON, metadata={"example": "Sibling"})
    amountMinor = amount_field()
    percentBp = fields.Integer(
        strict=True, validate=validate.Range(1, BASIS_POINTS),
        metadata={"description": "Basis points of the billed lines: 1000 = 10%"},
    )  # fmt: skip
    grantedBy = fields.String(dump_only=True)
    at = UTCDateTime(dump_only=True)

    @validates_schema
    def amount_or_percent(self, data, **kwargs):
        """Exactly one of amountMinor and percentBp."""
        if ("amountMinor" in data) == ("percentBp" in data):
            raise ValidationError("Give amountMinor or percentBp.", "amountMinor")


class VoidSchema(StrictSchema):
    """Why an invoice is void."""

    reason = fields.String(required=True, validate=REASON)


class InvoiceSchema(ResourceSchema):
    """An invoice: billed lines less discounts is the total; the balance is what is unpaid."""

    number = fields.String(metadata={"example": "INV-000042"})
    structureId = fields.String()
    studentId = fields.String()
    classroomId = fields.String()
    academicYear = fields.String()
    feeCategory = fields.String(allow_none=True, metadata={"description": "Billed at its amounts"})
    currency = fields.String()
    lines = fields.List(fields.Nested(InvoiceLineSchema))
    discounts = fields.List(fields.Nested(DiscountSchema))
    totalMinor = fields.Integer()
    paidMinor = fields.Integer()
    balanceMinor = fields.Method("balance")
    instalments = fields.List(fields.Nested(InstalmentDueSchema))
    status = fields.String(metadata={"example": "issued"})
    issuedAt = UTCDateTime(allow_none=True)
    voidReason = fields.String()

    def balance(self, invoice):
        """What is still to pay (nothing on a void invoice)."""
        if invoice.get("status") == "void":
            return 0
        return invoice["totalMinor"] - invoice["paidMinor"]


class InvoiceEnvelopeSchema(StrictSchema):
    """{message, invoice}."""

    message = fields.String()
    invoice = fields.Nested(InvoiceSchema)


class InvoiceBatchSchema(StrictSchema):
    """What a generation did: invoices created now, students who already had one or owe 0."""

    message = fields.String()
    created = fields.Integer()
    existing = fields.Integer()
    exempt = fields.Integer(metadata={"description": "Students whose category pays nothing"})
    invoices = fields.List(fields.Nested(InvoiceSchema))


class InvoiceQuerySchema(SortedQuerySchema):
    """Filters: studentId, classroomId, structureId, status."""

    studentId = ObjectIdField()
    classroomId = ObjectIdField()
    structureId = ObjectIdField()
    status = fields.String(validate=validate.OneOf(INVOICE_STATUSES))
    sort = sort_field("createdAt", "number")


class PaymentCreateSchema(StrictSchema):
    """Money received against an invoice (partial allowed, never more than the balance)."""

    invoiceId = ObjectIdField(required=True)
    amountMinor = amount_field(required=True, metadata={"example": 50000})
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    reference = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Card slip, transfer or online reference (not for cash)"},
    )

    @validates_schema
    def reference_unless_cash(self, data, **kwargs):
        """Card, transfer and online payments carry the reference that proves them."""
        if data.get("method") not in (None, "cash") and not data.get("reference"):
            raise ValidationError("Needed for this method.", "reference")


class RefundCreateSchema(StrictSchema):
    """Money given back on a payment: a new entry, the payment itself stays as it was."""

    amountMinor = amount_field(required=True)
    reason = fields.String(required=True, validate=REASON)


class PaymentSchema(ResourceSchema):
    """A payment or a refund entry."""

    kind = fields.String(metadata={"example": "payment"})
    invoiceId = fields.String()
    studentId = fields.String()
    amountMinor = fields.Integer()
    currency = fields.String()
    method = fields.String()
    reference = fields.String()
    receiptNumber = fields.String(metadata={"example": "R-000017"})
    receivedBy = fields.String()
    refundOf = fields.String()
    reason = fields.String()


class PaymentEnvelopeSchema(StrictSchema):
    """{message, payment, invoice}."""

    message = fields.String()
    payment = fields.Nested(PaymentSchema)
    invoice = fields.Nested(InvoiceSchema)


class PaymentQuerySchema(SortedQuerySchema):
    """Filters: invoiceId, studentId, kind."""

    invoiceId = ObjectIdField()
    studentId = ObjectIdField()
    kind = fields.String(validate=validate.OneOf(("payment", "refund")))


class OutstandingQuerySchema(PaginationQuerySchema):
    """Group by classroom or student; age balances as of a day (default today); one page."""

    groupBy = fields.String(
        load_default="classroom", validate=validate.OneOf(("classroom", "student"))
    )
    asOf = CalendarDay()


class OutstandingRowSchema(StrictSchema):
    """One classroom's or student's unpaid balance, by age (minor units)."""

    classroomId = fields.String()
    studentId = fields.String()
    invoices = fields.Integer()
    balanceMinor = fields.Integer()
    notDue = fields.Integer()
    days0to30 = fields.Integer()
    days31to60 = fields.Integer()
    days61to90 = fields.Integer()
    days90plus = fields.Integer()


class OutstandingReportSchema(StrictSchema):
    """Unpaid balances of open invoices, aged from each invoice's due date.

    rows is one page of classrooms or students by id; the list headers (X-Total-Count,
    Link) page through the rest.
    """

    asOf = CalendarDay()
    currency = fields.String()
    rows = fields.List(fields.Nested(OutstandingRowSchema))


class CollectionsQuerySchema(StrictSchema):
    """The days to report, inclusive."""

    from_ = CalendarDay(required=True, data_key="from", attribute="from")
    to = CalendarDay(required=True)


class CollectionRowSchema(StrictSchema):
    """A day's takings by one method."""

    day = fields.String(metadata={"example": "2026-02-03"})
    method = fields.String()
    payments = fields.Integer()
    paymentsMinor = fields.Integer()
    refundsMinor = fields.Integer()


class CollectionsReportSchema(StrictSchema):
    """Payments and refunds per day and method."""

    currency = fields.String()
    rows = fields.List(fields.Nested(CollectionRowSchema))


class HeadsQuerySchema(StrictSchema):
    """An academic year."""

    academicYear = fields.String(required=True, validate=ACADEMIC_YEAR)


class HeadRowSchema(StrictSchema):
    """What one fee head billed."""

    code = fields.String()
    name = fields.String()
    billedMinor = fields.Integer()
    invoices = fields.Integer()


class HeadsReportSchema(StrictSchema):
    """Fee-head totals for a year, before discounts, void invoices left out."""

    academicYear = fields.String()
    currency = fields.String()
    rows = fields.List(fields.Nested(HeadRowSchema))


class LateFeeRunSchema(StrictSchema):
    """The day to charge late fees as of (default today)."""

    asOf = CalendarDay()


class LateFeeResultSchema(StrictSchema):
    """How many late fees a run charged."""

    message = fields.String()
    charged = fields.Integer()
