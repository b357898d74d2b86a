"""Expenses: finance records, another person (an admin) approves; the month summary nets."""

from datetime import UTC, datetime

import pytest
from bson import ObjectId

from tests.fees.support import keyed

pytestmark = pytest.mark.mongo
WATER = {"category": "utilities", "amountMinor": 45_000, "date": "2026-02-03",
         "payee": "City Water", "attachmentUrl": "https://files.example.org/water.pdf"}  # fmt: skip


def test_an_expense_counts_once_an_admin_approves_it(api, world, db):
    finance = api("finance")
    recorded = finance.post("/expenses", json=WATER)
    assert recorded.status_code == 201, recorded.get_json()
    expense = recorded.get_json()["expense"]
    assert (expense["status"], expense["currency"]) == ("pending", "USD")
    assert finance.post(f"/expenses/{expense['id']}/approve", json={}).status_code == 403
    approved = api().post(f"/expenses/{expense['id']}/approve", json={"note": "Paid by bank"})
    assert approved.get_json()["expense"]["status"] == "approved"
    again = api().post(f"/expenses/{expense['id']}/reject", json={"note": "Changed my mind"})
    assert again.status_code == 409
    stored = db.expenses.find_one({"_id": ObjectId(expense["id"])})
    assert (stored["month"], stored["decidedBy"]) == ("2026-02", world["a"]["admin"]["_id"])
    assert api("cashier").get("/expenses").status_code == 403
    assert api("admin", "b").get(f"/expenses/{expense['id']}").status_code == 404
    listed = finance.get("/expenses?status=approved")
    assert [e["id"] for e in listed.get_json()] == [expense["id"]]


def test_an_admin_does_not_approve_their_own_expense_and_urls_are_https_only(api):
    own = api().post("/expenses", json=WATER).get_json()["expense"]
    assert api().post(f"/expenses/{own['id']}/approve", json={}).status_code == 403
    for url in ("http://files.example.org/x.pdf", "javascript:alert(1)", "file:///etc/passwd"):
        refused = api("finance").post("/expenses", json={**WATER, "attachmentUrl": url})
        assert refused.status_code == 400, url
    assert api("finance").post("/expenses", json={**WATER, "amountMinor": 10.5}).status_code == 400


def test_the_month_summary_nets_payments_refunds_and_approved_expenses(api, world, db):
    finance = api("finance")
    month = f"{datetime.now(UTC):%Y-%m}"
    year = int(month[:4])
    structure = finance.post("/fees/structures", json={
        "name": "Exam", "academicYear": "2025-2026", "instalments": [{"dueDate": "2026-01-10"}],
        "heads": [{"code": "exam", "name": "Exam", "amountMinor": 50_000}],
    }).get_json()["structure"]  # fmt: skip
    sam = str(world["a"]["student_record"]["_id"])
    invoice = finance.post(
        f"/fees/structures/{structure['id']}/invoices", json={"studentIds": [sam], "issue": True}
    ).get_json()["invoices"][0]
    paid = api("cashier").post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 50_000, "method": "cash"},
    ).get_json()["payment"]  # fmt: skip
    finance.post(
        f"/fees/payments/{paid['id']}/refunds", headers=keyed(),
        json={"amountMinor": 5_000, "reason": "Exam fee reduced"},
    )  # fmt: skip
    day = f"{month}-01"
    spent = finance.post("/expenses", json={**WATER, "date": day, "amountMinor": 12_000})
    api().post(f"/expenses/{spent.get_json()['expense']['id']}/approve", json={})
    finance.post("/expenses", json={**WATER, "date": day, "amountMinor": 99_999})  # pending
    summary = finance.get(f"/expenses/summary?year={year}").get_json()
    assert len(summary["months"]) == 12
    this = next(m for m in summary["months"] if m["month"] == month)
    assert this == {"month": month, "incomeMinor": 50_000, "refundsMinor": 5_000,
                    "expensesMinor": 12_000, "netMinor": 33_000}  # fmt: skip
    others = [m for m in summary["months"] if m["month"] != month]
    assert all(m["netMinor"] == 0 for m in others)
    assert (
        api("admin", "b")
        .get(f"/expenses/summary?year={year}")
        .get_json()["months"][0]["incomeMinor"]
        == 0
    )
