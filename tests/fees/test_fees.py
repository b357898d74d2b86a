"""Fees end to end: a finance user bills a class of 40, cashiers take payments, parents look."""

import io
import threading

import pytest
from bson import ObjectId
from pypdf import PdfReader

from tests import factories
from tests.caching.test_response_cache import read_until_hit
from tests.fees.support import STRUCTURE, keyed

pytestmark = pytest.mark.mongo


def test_a_year_of_fees_bills_each_student_of_a_class_once(api, billed, db):
    structure, batch = billed["structure"], billed["batch"]
    assert structure["currency"] == "USD"
    assert structure["totalMinor"] == 120_001
    assert (batch["created"], batch["existing"]) == (40, 0)
    invoice = batch["invoices"][0]
    assert [line["amountMinor"] for line in invoice["lines"]] == [100_000, 20_001]
    assert [i["amountMinor"] for i in invoice["instalments"]] == [40_001, 40_000, 40_000]
    assert (invoice["status"], invoice["balanceMinor"]) == ("issued", 120_001)
    again = api("finance").post(
        f"/fees/structures/{structure['id']}/invoices",
        json={"classroomId": billed["room"], "issue": True},
    )
    assert (again.get_json()["created"], again.get_json()["existing"]) == (0, 40)
    assert db.invoices.count_documents({"structureId": ObjectId(structure["id"])}) == 40
    numbers = {doc["number"] for doc in db.invoices.find({}, {"number": 1})}
    assert len(numbers) == 40


def test_partial_and_full_payments_settle_the_invoice_with_gap_free_receipts(api, billed, db):
    cashier = api("cashier")
    invoice = billed["batch"]["invoices"][0]
    first = cashier.post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 50_000, "method": "cash"},
    )  # fmt: skip
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["invoice"]["status"] == "partially_paid"
    assert first.get_json()["invoice"]["balanceMinor"] == 70_001
    too_much = cashier.post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 70_002, "method": "cash"},
    )  # fmt: skip
    assert too_much.status_code == 409
    assert too_much.get_json()["details"][0]["message"] == "At most 70001."
    rest = cashier.post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 70_001, "method": "card",
              "reference": "POS-7781"},
    )  # fmt: skip
    assert rest.get_json()["invoice"]["status"] == "paid"
    receipts = [
        first.get_json()["payment"]["receiptNumber"],
        rest.get_json()["payment"]["receiptNumber"],
    ]
    assert receipts == ["R-000001", "R-000002"]  # the refused payment took no number
    stored = db.invoices.find_one({"_id": ObjectId(invoice["id"])})
    assert (stored["paidMinor"], stored["status"]) == (120_001, "paid")
    closed = cashier.post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 1, "method": "cash"},
    )  # fmt: skip
    assert closed.status_code == 409


def test_two_cashiers_paying_one_invoice_at_once_cannot_overpay(app, auth_headers, billed, db):
    invoice = billed["batch"]["invoices"][1]
    attempts, answers = 8, []
    start = threading.Barrier(attempts)
    headers = [auth_headers("cashier"), auth_headers("finance")]

    def pay(number):
        client = app.test_client()
        start.wait()
        answers.append(
            client.post(
                "/api/v1/fees/payments",
                headers={**headers[number % 2], **keyed(f"race-{number:04d}-key")},
                json={"invoiceId": invoice["id"], "amountMinor": 70_000, "method": "cash"},
            ).status_code
        )

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201] + [409] * (attempts - 1)
    stored = db.invoices.find_one({"_id": ObjectId(invoice["id"])})
    payments = list(db.payments.find({"invoiceId": stored["_id"]}))
    assert stored["paidMinor"] == sum(p["amountMinor"] for p in payments) == 70_000
    assert stored["status"] == "partially_paid"


def test_a_payment_needs_an_idempotency_key_and_a_retry_charges_once(api, billed, db):
    cashier = api("cashier")
    invoice = billed["batch"]["invoices"][2]
    body = {"invoiceId": invoice["id"], "amountMinor": 10_000, "method": "cash"}
    missing = cashier.post("/fees/payments", json=body)
    assert missing.status_code == 400
    assert missing.get_json()["details"][0]["field"] == "Idempotency-Key"
    first = cashier.post("/fees/payments", headers=keyed("retry-once-1"), json=body)
    retry = cashier.post("/fees/payments", headers=keyed("retry-once-1"), json=body)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert db.payments.count_documents({"invoiceId": ObjectId(invoice["id"])}) == 1
    wire = cashier.post("/fees/payments", headers=keyed(), json={**body, "method": "bank_transfer"})
    assert wire.get_json()["details"][0]["field"] == "reference"


def test_a_refund_is_a_new_entry_and_never_more_than_was_paid(api, billed, db):
    invoice = billed["batch"]["invoices"][3]
    paid = api("cashier").post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 30_000, "method": "cash"},
    ).get_json()["payment"]  # fmt: skip
    assert api("cashier").post(
        f"/fees/payments/{paid['id']}/refunds", headers=keyed(),
        json={"amountMinor": 1, "reason": "Typo"},
    ).status_code == 403  # fmt: skip
    refund = api("finance").post(
        f"/fees/payments/{paid['id']}/refunds", headers=keyed(),
        json={"amountMinor": 12_000, "reason": "Bus not used in term one"},
    )  # fmt: skip
    assert refund.status_code == 201, refund.get_json()
    entry = refund.get_json()["payment"]
    assert (entry["kind"], entry["refundOf"], entry["amountMinor"]) == (
        "refund",
        paid["id"],
        12_000,
    )
    assert refund.get_json()["invoice"]["paidMinor"] == 18_000
    over = api("finance").post(
        f"/fees/payments/{paid['id']}/refunds", headers=keyed(),
        json={"amountMinor": 18_001, "reason": "Too much"},
    )  # fmt: skip
    assert over.status_code == 409
    original = db.payments.find_one({"_id": ObjectId(paid["id"])})
    assert original["amountMinor"] == 30_000
    assert original["createdAt"] == original["updatedAt"]  # never edited


def test_discounts_round_and_are_audited_and_void_needs_nothing_paid(api, billed, db):
    finance = api("finance")
    invoice = billed["batch"]["invoices"][4]
    assert (
        finance.post(
            f"/fees/invoices/{invoice['id']}/discounts", json={"percentBp": 1250}
        ).status_code
        == 400
    )
    discounted = finance.post(
        f"/fees/invoices/{invoice['id']}/discounts",
        json={"percentBp": 1250, "reason": "Sibling discount"},
    )
    assert discounted.status_code == 201, discounted.get_json()
    after = discounted.get_json()["invoice"]
    assert after["totalMinor"] == 120_001 - 15_000  # 12.5% of 120,001 is 15,000.125
    assert sum(i["amountMinor"] for i in after["instalments"]) == after["totalMinor"]
    event = db.audit_events.find_one(
        {"resourceType": "invoices", "action": "update", "fields": "discounts"}
    )
    assert event["values"]["totalMinor"] == 105_001
    voided = finance.post(f"/fees/invoices/{invoice['id']}/void", json={"reason": "Left school"})
    assert voided.get_json()["invoice"]["status"] == "void"
    assert voided.get_json()["invoice"]["balanceMinor"] == 0
    paid_one = billed["batch"]["invoices"][5]
    api("cashier").post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": paid_one["id"], "amountMinor": 1, "method": "cash"},
    )  # fmt: skip
    refused = finance.post(f"/fees/invoices/{paid_one['id']}/void", json={"reason": "Left"})
    assert refused.status_code == 409


def test_who_sees_which_invoices(api, world, billed):
    sam = str(world["a"]["student_record"]["_id"])
    finance = api("finance")
    grade_6 = finance.post(
        "/fees/structures",
        json={**STRUCTURE, "name": "Grade 6 only", "classroomIds": [billed["room"]]},
    ).get_json()["structure"]
    refused = finance.post(f"/fees/structures/{grade_6['id']}/invoices", json={"studentIds": [sam]})
    assert refused.status_code == 400  # Sam is in Grade 5 A
    general = finance.post(
        "/fees/structures", json={**STRUCTURE, "name": "Exam fee", "heads": STRUCTURE["heads"][:1]}
    ).get_json()["structure"]
    mine = finance.post(f"/fees/structures/{general['id']}/invoices", json={"studentIds": [sam]})
    invoice = mine.get_json()["invoices"][0]
    assert invoice["status"] == "draft"
    assert api("cashier").post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 1, "method": "cash"},
    ).status_code == 409  # fmt: skip
    assert finance.post(f"/fees/invoices/{invoice['id']}/issue").status_code == 200
    for role in ("parent", "student"):
        seen = api(role).get("/fees/invoices").get_json()
        assert [i["id"] for i in seen] == [invoice["id"]], role
        assert (
            api(role).get(f"/fees/invoices/{invoice['id']}").get_json()["balanceMinor"] == 100_000
        )
        other = billed["batch"]["invoices"][0]["id"]
        assert api(role).get(f"/fees/invoices/{other}").status_code == 404
    assert api("parent").get(f"/fees/invoices?studentId={billed['room']}").get_json() == []
    assert api("teacher").get("/fees/invoices").status_code == 403
    assert api("admin", "b").get(f"/fees/invoices/{invoice['id']}").status_code == 404
    assert len(finance.get("/fees/invoices?limit=100").get_json()) == 41
    listed = finance.get(f"/fees/invoices?structureId={general['id']}")
    assert listed.headers["X-Total-Count"] == "1"


def test_the_currency_is_fixed_once_fees_exist(api, world, billed):
    school = world["a"]["institution"]["_id"]
    assert api().patch(f"/institutions/{school}", json={"currency": "EUR"}).status_code == 409
    other = world["b"]["institution"]["_id"]
    changed = api("admin", "b").patch(f"/institutions/{other}", json={"currency": "JPY"})
    assert changed.status_code == 200
    assert changed.get_json()["institution"]["currency"] == "JPY"
    assert (
        api("admin", "b").patch(f"/institutions/{other}", json={"currency": "XXX"}).status_code
        == 400
    )


@pytest.mark.parametrize("injected", [{"$gt": 0}, {"$ne": None}, "1; db.dropDatabase()", 10.5])
def test_a_payment_body_takes_no_operators_floats_or_strings_for_amounts(api, billed, injected, db):
    invoice = billed["batch"]["invoices"][6]
    for field in ("invoiceId", "amountMinor"):
        body = {"invoiceId": invoice["id"], "amountMinor": 100, "method": "cash", field: injected}
        response = api("cashier").post("/fees/payments", headers=keyed(), json=body)
        assert response.status_code == 400, (field, injected)
    assert db.payments.count_documents({}) == 0


def test_a_receipt_pdf_shows_the_payment(api, billed):
    invoice = billed["batch"]["invoices"][7]
    paid = api("cashier").post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 30_050, "method": "card",
              "reference": "POS-1"},
    ).get_json()["payment"]  # fmt: skip
    refund = api("finance").post(
        f"/fees/payments/{paid['id']}/refunds", headers=keyed(),
        json={"amountMinor": 50, "reason": "Card fee waived"},
    ).get_json()["payment"]  # fmt: skip
    response = api("cashier").get(f"/fees/payments/{paid['id']}/receipt")
    assert response.mimetype == "application/pdf"
    assert paid["receiptNumber"] in response.headers["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    for printed in ("School A", f"Payment receipt {paid['receiptNumber']}", "Pupil",
                    invoice["number"], "300.50 USD", "Card", "POS-1", "1,200.01 USD",
                    "Cashier A"):  # fmt: skip
        assert printed in text, (printed, text)
    refund_text = (
        PdfReader(io.BytesIO(api("finance").get(f"/fees/payments/{refund['id']}/receipt").data))
        .pages[0]
        .extract_text()
    )
    for printed in ("Refund receipt", "0.50 USD", f"Refund of {paid['receiptNumber']}",
                    "Card fee waived"):  # fmt: skip
        assert printed in refund_text, (printed, refund_text)
    assert api("parent").get(f"/fees/payments/{paid['id']}/receipt").status_code == 404


def _structure(finance, name, amount, due):
    body = {"name": name, "academicYear": "2025-2026", "instalments": [{"dueDate": due}],
            "heads": [{"code": "tuition", "name": "Tuition", "amountMinor": amount}]}  # fmt: skip
    return finance.post("/fees/structures", json=body).get_json()["structure"]["id"]


def test_the_outstanding_report_equals_a_hand_computation(api, world):
    finance, cashier = api("finance"), api("cashier")
    room = (
        api().post("/classrooms", json=factories.classroom("Room R")).get_json()["classroom"]["id"]
    )
    p1, p2 = (
        api()
        .post("/students", json=factories.student(name, classroomId=room))
        .get_json()["student"]["id"]
        for name in ("Pia One", "Pat Two")
    )
    sam = str(world["a"]["student_record"]["_id"])
    dues = {"A": (10_000, "2026-03-10"), "B": (20_000, "2026-02-15"),
            "C": (30_000, "2025-12-15"), "D": (40_000, "2025-10-01")}  # fmt: skip
    ids = {key: _structure(finance, key, *value) for key, value in dues.items()}
    invoices = {}
    for key, students in (("A", [p1]), ("B", [p1, p2]), ("C", [p1, sam]), ("D", [p1, p2])):
        made = finance.post(
            f"/fees/structures/{ids[key]}/invoices", json={"studentIds": students, "issue": True}
        ).get_json()["invoices"]
        invoices.update({(key, invoice["studentId"]): invoice["id"] for invoice in made})
    finance.post(f"/fees/structures/{ids['A']}/invoices", json={"studentIds": [sam]})  # a draft
    for key, student, amount in (("B", p1, 5_000), ("D", p2, 40_000)):
        cashier.post(
            "/fees/payments", headers=keyed(),
            json={"invoiceId": invoices[key, student], "amountMinor": amount, "method": "cash"},
        )  # fmt: skip
    report = finance.get("/fees/reports/outstanding?asOf=2026-03-01")
    assert report.status_code == 200, report.get_json()
    rows = {row["classroomId"]: row for row in report.get_json()["rows"]}
    grade_5 = str(world["a"]["classroom"]["_id"])
    assert rows[room] == {
        "classroomId": room, "invoices": 5, "balanceMinor": 115_000, "notDue": 10_000,
        "days0to30": 35_000, "days31to60": 0, "days61to90": 30_000, "days90plus": 40_000,
    }  # fmt: skip
    assert rows[grade_5]["balanceMinor"] == rows[grade_5]["days61to90"] == 30_000
    by_student = finance.get("/fees/reports/outstanding?groupBy=student&asOf=2026-03-01")
    pia = next(row for row in by_student.get_json()["rows"] if row["studentId"] == p1)
    assert (pia["invoices"], pia["balanceMinor"], pia["days0to30"]) == (4, 95_000, 15_000)
    hit = read_until_hit(finance, "/fees/reports/outstanding?asOf=2026-03-01")[0]
    assert hit.headers["X-Cache"] == "HIT"
    cashier.post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoices["C", sam], "amountMinor": 30_000, "method": "cash"},
    )  # fmt: skip
    fresh = finance.get("/fees/reports/outstanding?asOf=2026-03-01").get_json()["rows"]
    assert grade_5 not in {row["classroomId"] for row in fresh}
    assert api("cashier").get("/fees/reports/outstanding").status_code == 403


def test_collections_per_day_and_method_and_head_totals_for_a_year(api, billed):
    cashier, finance = api("cashier"), api("finance")
    invoices = billed["batch"]["invoices"]
    for invoice, amount, method in ((invoices[8], 10_000, "cash"), (invoices[9], 2_500, "cash"),
                                    (invoices[10], 7_000, "card")):  # fmt: skip
        body = {"invoiceId": invoice["id"], "amountMinor": amount, "method": method}
        if method == "card":
            body["reference"] = "POS-9"
        paid = cashier.post("/fees/payments", headers=keyed(), json=body).get_json()["payment"]
    finance.post(
        f"/fees/payments/{paid['id']}/refunds", headers=keyed(),
        json={"amountMinor": 1_000, "reason": "Card fee"},
    )  # fmt: skip
    today = paid["createdAt"][:10]
    report = finance.get(f"/fees/reports/collections?from={today}&to={today}")
    assert report.status_code == 200, report.get_json()
    assert report.get_json()["rows"] == [
        {
            "day": today,
            "method": "card",
            "payments": 1,
            "paymentsMinor": 7_000,
            "refundsMinor": 1_000,
        },
        {"day": today, "method": "cash", "payments": 2, "paymentsMinor": 12_500, "refundsMinor": 0},
    ]
    assert finance.get("/fees/reports/collections?from=2026-02-02&to=2026-02-01").status_code == 400
    finance.post(f"/fees/invoices/{invoices[11]['id']}/void", json={"reason": "Left school"})
    heads = finance.get("/fees/reports/heads?academicYear=2025-2026").get_json()["rows"]
    assert heads == [
        {"code": "transport", "name": "Bus", "billedMinor": 39 * 20_001, "invoices": 39},
        {"code": "tuition", "name": "Tuition", "billedMinor": 39 * 100_000, "invoices": 39},
    ]


def test_late_fees_charge_each_unpaid_instalment_once_after_its_grace_days(api, world, db):
    finance, cashier = api("finance"), api("cashier")
    sam = str(world["a"]["student_record"]["_id"])
    body = {"name": "Late", "academicYear": "2025-2026",
            "heads": [{"code": "tuition", "name": "Tuition", "amountMinor": 100_000}],
            "instalments": [{"dueDate": "2026-01-10"}, {"dueDate": "2026-03-10"}],
            "lateFee": {"amountMinor": 2_500, "graceDays": 14}}  # fmt: skip
    structure = finance.post("/fees/structures", json=body).get_json()["structure"]
    invoice = finance.post(
        f"/fees/structures/{structure['id']}/invoices", json={"studentIds": [sam], "issue": True}
    ).get_json()["invoices"][0]
    assert finance.post("/fees/late-fees", json={"asOf": "2026-01-24"}).get_json()["charged"] == 0
    assert finance.post("/fees/late-fees", json={"asOf": "2026-01-25"}).get_json()["charged"] == 1
    assert finance.post("/fees/late-fees", json={"asOf": "2026-01-26"}).get_json()["charged"] == 0
    charged = finance.get(f"/fees/invoices/{invoice['id']}").get_json()
    assert charged["totalMinor"] == 102_500
    assert [i["amountMinor"] for i in charged["instalments"]] == [52_500, 50_000]
    assert charged["lines"][-1] == {"code": "late_fee", "name": "Late fee (due 2026-01-10)",
                                    "amountMinor": 2_500}  # fmt: skip
    cashier.post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 52_500, "method": "cash"},
    )  # fmt: skip
    assert finance.post("/fees/late-fees", json={"asOf": "2026-03-24"}).get_json()["charged"] == 0
    assert finance.post("/fees/late-fees", json={"asOf": "2026-03-25"}).get_json()["charged"] == 1
    stored = db.invoices.find_one({"_id": ObjectId(invoice["id"])})
    assert (stored["totalMinor"], stored["paidMinor"]) == (105_000, 52_500)
    assert api("cashier").post("/fees/late-fees", json={}).status_code == 403


def test_students_are_billed_at_their_fee_category_amounts(api, world, db):
    room = api().post("/classrooms", json=factories.classroom("Room C")).get_json()["classroom"]
    categories = {"Full Fee": None, "Staff Child": "staff_child", "Sibling": "sibling"}
    ids = {}
    for name, category in categories.items():
        body = factories.student(name, classroomId=room["id"], feeCategory=category)
        ids[name] = api().post("/students", json=body).get_json()["student"]["id"]
    tuition = {"staff_child": 0, "sibling": 90_000}
    tuition_head, bus_head = STRUCTURE["heads"]
    heads = [{**tuition_head, "categoryAmounts": tuition},
             {**bus_head, "categoryAmounts": {"staff_child": 0}}]  # fmt: skip
    body = {**STRUCTURE, "heads": heads}
    finance = api("finance")
    structure = finance.post("/fees/structures", json=body).get_json()["structure"]
    assert structure["heads"][0]["categoryAmounts"] == tuition
    url = f"/fees/structures/{structure['id']}/invoices"
    batch = finance.post(url, json={"classroomId": room["id"], "issue": True}).get_json()
    assert (batch["created"], batch["existing"], batch["exempt"]) == (2, 0, 1)
    billed = {
        doc["studentId"]: doc for doc in db.invoices.find({"classroomId": ObjectId(room["id"])})
    }
    assert ObjectId(ids["Staff Child"]) not in billed
    sibling, full = billed[ObjectId(ids["Sibling"])], billed[ObjectId(ids["Full Fee"])]
    assert [line["amountMinor"] for line in sibling["lines"]] == [90_000, 20_001]
    assert (sibling["totalMinor"], sibling["feeCategory"]) == (110_001, "sibling")
    assert sum(i["amountMinor"] for i in sibling["instalments"]) == 110_001
    assert (full["totalMinor"], full["feeCategory"]) == (120_001, None)
    again = finance.post(url, json={"classroomId": room["id"], "issue": True}).get_json()
    assert (again["created"], again["existing"], again["exempt"]) == (0, 2, 1)
    sam = str(world["a"]["student_record"]["_id"])
    assert api().patch(f"/students/{sam}", json={"feeCategory": "sibling"}).status_code == 200
    by_role = {role: api(role).get(f"/students/{sam}") for role in ("teacher", "parent", "admin")}
    assert all(answer.status_code == 200 for answer in by_role.values())
    assert "feeCategory" not in by_role["teacher"].get_json()
    assert by_role["parent"].get_json()["feeCategory"] == "sibling"
    bad = {**STRUCTURE, "heads": [{**STRUCTURE["heads"][0], "categoryAmounts": {"$gt": 1}}]}
    refused = finance.post("/fees/structures", json=bad)
    assert refused.status_code == 400, refused.get_json()
    wrong = api().patch(f"/students/{sam}", json={"feeCategory": "Not A Code"})
    assert wrong.status_code == 400


def test_payments_and_refunds_move_an_invoice_without_find_and_modify(api, billed, monkeypatch):
    """findAndModify scans a whole collection on the development server (decision 0003)."""
    from educatenext.platform.mongo.scoped_collection import ScopedCollection

    calls = []
    original = ScopedCollection.find_one_and_update

    def recording(self, *args, **kwargs):
        calls.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ScopedCollection, "find_one_and_update", recording)
    invoice = billed["batch"]["invoices"][5]
    paid = api("cashier").post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 5_000, "method": "cash"},
    )  # fmt: skip
    assert paid.status_code == 201, paid.get_json()
    assert paid.get_json()["invoice"]["status"] == "partially_paid"
    refund = api("finance").post(
        f"/fees/payments/{paid.get_json()['payment']['id']}/refunds", headers=keyed(),
        json={"amountMinor": 5_000, "reason": "Paid twice at the bank"},
    )  # fmt: skip
    assert refund.status_code == 201, refund.get_json()
    assert refund.get_json()["invoice"]["status"] == "issued"
    assert "invoices" not in calls
