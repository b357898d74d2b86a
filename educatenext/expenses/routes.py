"""/api/v1/expenses: spending recorded by finance, approved by an admin; the month summary."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, FINANCE
from educatenext.caching.responses import cached
from educatenext.expenses import service
from educatenext.expenses.schemas import (
    DecisionSchema,
    ExpenseCreateSchema,
    ExpenseEnvelopeSchema,
    ExpenseQuerySchema,
    ExpenseSchema,
    SummaryQuerySchema,
    SummarySchema,
)
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.pagination import page_window, pagination_headers

blp = Blueprint("expenses", __name__, url_prefix="/expenses", description="Expenses")
KEEPERS = (ADMIN, FINANCE)


@blp.route("")
class ExpenseList(MethodView):
    """A school's expenses."""

    decorators = resource_limits()

    @allow(*KEEPERS)
    @blp.arguments(ExpenseQuerySchema, location="query")
    @blp.response(200, ExpenseSchema(many=True))
    def get(self, args):
        """List expenses."""
        page, limit = page_window(args)
        items, total = service.list_expenses(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(*KEEPERS)
    @idempotent
    @blp.arguments(
        ExpenseCreateSchema,
        example={"category": "utilities", "amountMinor": 45000, "date": "2026-02-03",
                 "payee": "City Water", "attachmentUrl": "https://files.example.org/w.pdf"},
    )  # fmt: skip
    @blp.response(201, ExpenseEnvelopeSchema)
    def post(self, payload):
        """Record an expense (it counts once an admin approves it)."""
        expense = service.record_expense(current_identity(), payload)
        return {"message": "Expense recorded.", "expense": expense}


@blp.route("/summary")
class MonthlySummary(MethodView):
    """Income against expenses."""

    decorators = resource_limits()

    @allow(*KEEPERS)
    @cached("fees")
    @blp.arguments(SummaryQuerySchema, location="query")
    @blp.response(200, SummarySchema)
    def get(self, args):
        """Payments, refunds and approved expenses of each month of a year."""
        return service.monthly_summary(current_identity(), args["year"])


@blp.route("/<expense_id>")
class ExpenseDetail(MethodView):
    """One expense."""

    decorators = resource_limits()

    @allow(*KEEPERS)
    @blp.response(200, ExpenseSchema)
    def get(self, expense_id):
        """Get an expense."""
        return service.get_expense(current_identity(), expense_id)


@blp.route("/<expense_id>/approve")
class ExpenseApproval(MethodView):
    """An admin's approval."""

    decorators = resource_limits()

    @allow(ADMIN)
    @blp.arguments(DecisionSchema)
    @blp.response(200, ExpenseEnvelopeSchema)
    def post(self, decision, expense_id):
        """Approve a pending expense."""
        expense = service.decide(current_identity(), expense_id, "approved", decision.get("note"))
        return {"message": "Expense approved.", "expense": expense}


@blp.route("/<expense_id>/reject")
class ExpenseRejection(MethodView):
    """An admin's rejection."""

    decorators = resource_limits()

    @allow(ADMIN)
    @blp.arguments(DecisionSchema)
    @blp.response(200, ExpenseEnvelopeSchema)
    def post(self, decision, expense_id):
        """Reject a pending expense."""
        expense = service.decide(current_identity(), expense_id, "rejected", decision.get("note"))
        return {"message": "Expense rejected.", "expense": expense}
