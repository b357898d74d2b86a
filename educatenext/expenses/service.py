"""Expense rules: finance records, an admin decides once; the month summary nets them."""

from educatenext.expenses.repository import ExpenseRepository
from educatenext.fees.repository import PaymentRepository
from educatenext.fees.service import school_currency
from educatenext.platform.http.errors import APIError, not_found
from educatenext.platform.values import utcnow


def record_expense(identity, payload):
    """Store an expense awaiting approval, in the school's currency."""
    return ExpenseRepository(identity.scope).insert(
        {
            **payload,
            "currency": school_currency(identity.scope),
            "month": f"{payload['date']:%Y-%m}",
            "status": "pending",
            "recordedBy": identity.user_id,
        }
    )


def list_expenses(identity, args, page, limit):
    """(expenses, total) for one page."""
    query = {key: args[key] for key in ("status", "category") if key in args}
    return ExpenseRepository(identity.scope).page(
        query, sort=args["sort_spec"], page=page, limit=limit
    )


def get_expense(identity, expense_id):
    """One expense of the school, or 404."""
    expense = ExpenseRepository(identity.scope).get(expense_id)
    if expense is None:
        raise not_found("Expense")
    return expense


def decide(identity, expense_id, status, note=None):
    """Approve or reject a pending expense (once: a decision is not changed)."""
    expense = get_expense(identity, expense_id)
    if expense["recordedBy"] == identity.user_id:
        raise APIError(403, "FORBIDDEN", "Someone other than who recorded it decides.")
    changes = {"status": status, "decidedBy": identity.user_id, "decidedAt": utcnow()}
    if note:
        changes["decisionNote"] = note
    decided = ExpenseRepository(identity.scope).update(
        expense["_id"], changes, extra_filter={"status": "pending"}
    )
    if decided is None:
        raise APIError(409, "CONFLICT", "This expense was already decided.")
    return decided


def monthly_summary(identity, year):
    """Each month of a year: payments, refunds, approved expenses and what is left."""
    money_in = PaymentRepository(identity.scope).per_month(year)
    money_out = ExpenseRepository(identity.scope).approved_per_month(year)
    months = []
    for number in range(1, 13):
        month = f"{year}-{number:02d}"
        income = money_in.get((month, "payment"), 0)
        refunds = money_in.get((month, "refund"), 0)
        spent = money_out.get(month, 0)
        months.append(
            {"month": month, "incomeMinor": income, "refundsMinor": refunds,
             "expensesMinor": spent, "netMinor": income - refunds - spent}
        )  # fmt: skip
    return {"year": year, "currency": school_currency(identity.scope), "months": months}
