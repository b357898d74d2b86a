"""Expense payloads: amounts in minor units of the school's currency."""

from marshmallow import fields, validate

from educatenext.extensions import StrictSchema
from educatenext.fees.schemas import REASON, amount_field
from educatenext.platform.http.listing import SortedQuerySchema, sort_field
from educatenext.platform.http.schemas import ResourceSchema, UTCDateTime
from educatenext.students.schemas import CalendarDay

CATEGORIES = ("salaries", "utilities", "supplies", "maintenance", "transport", "events",
              "services", "other")  # fmt: skip
STATUSES = ("pending", "approved", "rejected")


class ExpenseCreateSchema(StrictSchema):
    """Money the school spent, awaiting an admin's approval."""

    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    amountMinor = amount_field(required=True, metadata={"example": 45000})
    date = CalendarDay(required=True, metadata={"example": "2026-02-03"})
    payee = fields.String(required=True, validate=validate.Length(min=1, max=160))
    description = fields.String(validate=validate.Length(max=500))
    attachmentUrl = fields.Url(
        schemes={"https"}, validate=validate.Length(max=500),
        metadata={"description": "Where the invoice or receipt is kept; stored, never fetched"},
    )  # fmt: skip


class DecisionSchema(StrictSchema):
    """An admin's approval or rejection."""

    note = fields.String(validate=REASON)


class ExpenseSchema(ResourceSchema):
    """An expense."""

    category = fields.String()
    amountMinor = fields.Integer()
    currency = fields.String()
    date = CalendarDay()
    payee = fields.String()
    description = fields.String()
    attachmentUrl = fields.String()
    status = fields.String(metadata={"example": "pending"})
    recordedBy = fields.String()
    decidedBy = fields.String()
    decidedAt = UTCDateTime()
    decisionNote = fields.String()


class ExpenseEnvelopeSchema(StrictSchema):
    """{message, expense}."""

    message = fields.String()
    expense = fields.Nested(ExpenseSchema)


class ExpenseQuerySchema(SortedQuerySchema):
    """Filters: status, category."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    sort = sort_field("createdAt", "date")


class SummaryQuerySchema(StrictSchema):
    """A calendar year."""

    year = fields.Integer(required=True, validate=validate.Range(2000, 2200))


class MonthSchema(StrictSchema):
    """A month's money in and out (minor units)."""

    month = fields.String(metadata={"example": "2026-02"})
    incomeMinor = fields.Integer()
    refundsMinor = fields.Integer()
    expensesMinor = fields.Integer()
    netMinor = fields.Integer()


class SummarySchema(StrictSchema):
    """Income (payments less refunds) against approved expenses, month by month."""

    year = fields.Integer()
    currency = fields.String()
    months = fields.List(fields.Nested(MonthSchema))
