"""Outstanding-balance summaries: every invoice write keeps them equal to the invoices."""

import importlib.util
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bson import ObjectId

from educatenext.extensions import mongo
from educatenext.fees import balances
from educatenext.fees.repository import InvoiceRepository
from educatenext.platform.mongo.repository import TenantScope
from tests import factories
from tests.fees.support import STRUCTURE, keyed

MIGRATION = Path(__file__).parents[2] / "migrations" / "0021_outstanding_balances.py"


def stored_summaries(db):
    """{(group, key): {"openInvoices", "dues"}} as stored, zero entries left out."""
    stored = {}
    for doc in db.outstanding_balances.find():
        dues = {
            day: {name: amount for name, amount in due.items() if amount}
            for day, due in (doc.get("dues") or {}).items()
        }
        dues = {day: due for day, due in dues.items() if due}
        if doc["openInvoices"] or dues:
            stored[doc["group"], doc["key"]] = {"openInvoices": doc["openInvoices"], "dues": dues}
    return stored


def rebuilt_summaries(db):
    """The same, computed from scratch from the invoices stored."""
    built = balances.summaries_of(db.invoices.find())
    for summary in built.values():
        summary["dues"] = {
            day: {name: amount for name, amount in due.items() if amount}
            for day, due in summary["dues"].items()
        }
    return built


def test_ageing_puts_each_due_date_in_its_bucket():
    as_of = datetime(2026, 3, 1, tzinfo=UTC)
    dues = {
        "2026-03-02": {"invoices": 1, "totalMinor": 7, "paidMinor": 0},  # not due yet
        "2026-03-01": {"invoices": 1, "totalMinor": 10, "paidMinor": 4},  # due today: 0 days
        "2026-01-30": {"invoices": 2, "totalMinor": 100, "paidMinor": 0},  # 30 days
        "2026-01-29": {"invoices": 1, "totalMinor": 1_000},  # 31 days, nothing paid yet
        "2025-12-01": {"invoices": 1, "totalMinor": 5, "paidMinor": 0},  # exactly 90 days
        "2025-11-30": {"invoices": 1, "totalMinor": 3, "paidMinor": 1},  # 91 days
        "2025-01-01": {"invoices": 0, "totalMinor": 0, "paidMinor": 0},  # all settled
    }
    buckets, invoices = balances.aged(dues, as_of)
    assert buckets == {"notDue": 7, "days0to30": 106, "days31to60": 1_000, "days61to90": 5,
                       "days90plus": 2}  # fmt: skip
    assert invoices == 7


def test_a_change_names_only_what_moved():
    due = datetime(2026, 1, 15, tzinfo=UTC)
    room, pupil = ObjectId(), ObjectId()
    open_ = {"status": "issued", "dueDate": due, "totalMinor": 900, "paidMinor": 0,
             "classroomId": room, "studentId": pupil}  # fmt: skip
    paid = {**open_, "status": "paid", "paidMinor": 900}
    assert balances.change(open_, {**open_, "updatedAt": 1}) == {}
    assert balances.change(None, {**open_, "status": "draft"}) == {}
    assert balances.change(open_, paid)["student", pupil] == {
        "openInvoices": -1, "dues.2026-01-15.invoices": -1, "dues.2026-01-15.totalMinor": -900,
    }  # fmt: skip
    assert balances.change(paid, {**open_, "status": "partially_paid", "paidMinor": 400})[
        "classroom", room
    ] == {"openInvoices": 1, "dues.2026-01-15.invoices": 1, "dues.2026-01-15.totalMinor": 900,
          "dues.2026-01-15.paidMinor": 400}  # fmt: skip


@pytest.mark.mongo
def test_an_invoice_write_outside_a_transaction_is_refused(app, world):
    with app.app_context():
        invoices = InvoiceRepository(TenantScope.of(world["a"]["institution"]["_id"]))
        with pytest.raises(RuntimeError, match="transaction"):
            invoices.update(ObjectId(), {"status": "void"})


@pytest.mark.mongo
def test_every_kind_of_invoice_write_keeps_the_summaries_equal_to_the_invoices(api, world, db):
    finance, cashier = api("finance"), api("cashier")
    room = api().post("/classrooms", json=factories.classroom("Room S")).get_json()["classroom"]
    pupils = [
        api().post("/students", json=factories.student(f"Sum {n}", classroomId=room["id"]))
        .get_json()["student"]["id"]
        for n in range(4)
    ]  # fmt: skip
    structure = finance.post("/fees/structures", json=STRUCTURE).get_json()["structure"]
    made = finance.post(
        f"/fees/structures/{structure['id']}/invoices",
        json={"studentIds": pupils[:3], "issue": True},
    ).get_json()["invoices"]
    draft = finance.post(
        f"/fees/structures/{structure['id']}/invoices", json={"studentIds": pupils[3:]}
    ).get_json()["invoices"][0]
    assert stored_summaries(db) == rebuilt_summaries(db)
    assert stored_summaries(db)["classroom", ObjectId(room["id"])]["openInvoices"] == 3

    def pay(invoice, amount):
        answer = cashier.post("/fees/payments", headers=keyed(),
                              json={"invoiceId": invoice["id"], "amountMinor": amount,
                                    "method": "cash"})  # fmt: skip
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["payment"]

    steps = [
        lambda: finance.post(f"/fees/invoices/{draft['id']}/issue"),
        lambda: pay(made[0], 20_000),
        lambda: finance.post(
            f"/fees/invoices/{made[0]['id']}/discounts",
            json={"amountMinor": 1_001, "reason": "Hardship"},
        ),
        lambda: pay(made[1], 120_001),  # paid in full: it leaves the report
        lambda: finance.post(
            f"/fees/payments/{paid_in_full['id']}/refunds",
            headers=keyed(),
            json={"amountMinor": 1_000, "reason": "Overcharged bus"},
        ),
        lambda: finance.post(f"/fees/invoices/{made[2]['id']}/void", json={"reason": "Left"}),
        lambda: finance.post("/fees/late-fees", json={"asOf": "2026-02-15"}),
    ]
    paid_in_full = None
    for number, step in enumerate(steps):
        answer = step()
        if number == 3:
            paid_in_full = answer
        assert stored_summaries(db) == rebuilt_summaries(db), number
        assert db.outstanding_balances.count_documents({"openInvoices": {"$lte": 0}}) == 0
    rows = finance.get("/fees/reports/outstanding?asOf=2026-02-15").get_json()["rows"]
    mine = next(row for row in rows if row["classroomId"] == room["id"])
    # made[0]: 120,001 + 2 late fees - 1,001 - 20,000; made[1]: 1,000 refunded; draft: issued
    # and late twice; made[2]: void.
    assert mine["invoices"] == 3
    assert mine["balanceMinor"] == (120_001 + 5_000 - 1_001 - 20_000) + 1_000 + (120_001 + 5_000)


@pytest.mark.mongo
def test_concurrent_payments_on_one_classroom_keep_its_summary_exact(app, auth_headers, api, db):
    room = api().post("/classrooms", json=factories.classroom("Room C", capacity=45))
    room_id = room.get_json()["classroom"]["id"]
    students = [factories.student(f"Con {n:02d}", classroomId=room_id) for n in range(6)]
    api().post("/students/bulk", json={"students": students})
    finance = api("finance")
    structure = finance.post("/fees/structures", json=STRUCTURE).get_json()["structure"]
    invoices = finance.post(
        f"/fees/structures/{structure['id']}/invoices", json={"classroomId": room_id, "issue": True}
    ).get_json()["invoices"]  # fmt: skip
    start, answers = threading.Barrier(len(invoices)), []
    headers = auth_headers("cashier")

    def pay(invoice):
        client = app.test_client()
        start.wait()
        answers.append(
            client.post(
                "/api/v1/fees/payments", headers={**headers, **keyed()},
                json={"invoiceId": invoice["id"], "amountMinor": 30_000, "method": "cash"},
            ).status_code
        )  # fmt: skip

    threads = [threading.Thread(target=pay, args=(invoice,)) for invoice in invoices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [201] * len(invoices)
    summary = db.outstanding_balances.find_one({"group": "classroom", "key": ObjectId(room_id)})
    assert summary["dues"]["2025-09-15"]["paidMinor"] == 30_000 * len(invoices)
    assert stored_summaries(db) == rebuilt_summaries(db)


@pytest.mark.mongo
def test_the_student_report_pages_by_student(api, billed):
    finance = api("finance")
    first = finance.get("/fees/reports/outstanding?groupBy=student&asOf=2026-03-01&limit=15")
    assert first.status_code == 200
    assert first.headers["X-Total-Count"] == "40"
    assert 'rel="next"' in first.headers["Link"]
    last = finance.get("/fees/reports/outstanding?groupBy=student&asOf=2026-03-01&limit=15&page=3")
    ids = [row["studentId"] for row in first.get_json()["rows"] + last.get_json()["rows"]]
    assert len(ids) == 25
    assert ids == sorted(ids)
    assert all(row["balanceMinor"] == 120_001 for row in last.get_json()["rows"])


@pytest.mark.mongo
def test_the_migration_builds_the_summaries_from_stored_invoices(app, billed, api, db):
    api("cashier").post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": billed["batch"]["invoices"][0]["id"], "amountMinor": 5,
              "method": "cash"},
    )  # fmt: skip
    expected = stored_summaries(db)
    db.outstanding_balances.update_many({}, {"$set": {"openInvoices": 99, "dues": {}}})  # drift
    db.outstanding_balances.insert_one(
        {"institutionId": ObjectId(), "group": "student", "key": ObjectId(), "openInvoices": 1}
    )  # a school with no open invoice left
    spec = importlib.util.spec_from_file_location(MIGRATION.stem, MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        migration.up(mongo.db)
    assert stored_summaries(db) == expected == rebuilt_summaries(db)
    assert db.outstanding_balances.count_documents({}) == len(expected) == 41  # room, 40 pupils
