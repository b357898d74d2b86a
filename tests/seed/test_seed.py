"""`flask seed`: counts, determinism, usable accounts and consistent relations."""

from educatenext.extensions import mongo
from educatenext.seed.command import seed_command
from educatenext.seed.service import SeedOptions

ARGS = ["--students", "90", "--class-size", "30", "--days", "5", "--grades-per-student", "4"]


def run_seed(app, *extra):
    result = app.test_cli_runner().invoke(seed_command, [*ARGS, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def snapshot(app):
    with app.app_context():
        return {
            name: list(mongo.db[name].find({}, {"createdAt": 0, "updatedAt": 0, "publishedAt": 0}))
            for name in ("students", "attendance", "grades", "classrooms")
        }


def test_seed_writes_what_it_reports(app):
    output = run_seed(app)
    assert "students" in output
    with app.app_context():
        db = mongo.db
        assert db.institutions.count_documents({"code": "seed-0"}) == 1
        assert db.students.count_documents({}) == 90
        assert db.classrooms.count_documents({}) == 3
        assert db.attendance.count_documents({}) == 90 * 5
        # Each seeded day's summary names every classroom with records that day.
        for day in db.attendance_days.find():
            recorded = db.attendance.distinct("classroomId", {"date": day["date"]})
            assert sorted(day["classroomIds"]) == sorted(recorded)
        assert db.attendance_days.count_documents({}) == 5
        (active,) = db.active_classrooms.find()  # the school's active classrooms, all of them
        assert sorted(active["classroomIds"]) == sorted(db.classrooms.distinct("_id"))
        assert db.grades.count_documents({}) == 90 * 4
        assert db.users.count_documents({"role": "student"}) == 90
        rooms = {c["_id"]: c for c in db.classrooms.find()}
        assert all(room["enrolledCount"] == 30 for room in rooms.values())
        for student in db.students.find():
            assert student["classroomId"] in rooms
            assert "_absence" not in student
        statuses = {a["status"] for a in db.attendance.find()}
        assert statuses <= {"present", "absent", "late", "excused"}
        assert "present" in statuses


def test_same_seed_same_data_other_seed_other_data(make_app):
    first, second, third = make_app(), make_app(), make_app()
    run_seed(first)
    run_seed(second)
    run_seed(third, "--seed", "7")
    assert snapshot(first) == snapshot(second)
    assert snapshot(first)["students"] != snapshot(third)["students"]


def test_seeded_accounts_log_in_and_read_their_school(app):
    run_seed(app)
    client = app.test_client()
    for email in ("admin@school0.seed.test", "teacher1@school0.seed.test"):
        login = client.post(
            "/api/v1/auth/login", json={"email": email, "password": SeedOptions.password}
        )
        assert login.status_code == 200, login.get_data(as_text=True)
        headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
        listed = client.get("/api/v1/students?limit=100", headers=headers)
        assert listed.status_code == 200
        expected = "90" if email.startswith("admin") else "30"
        assert listed.headers["X-Total-Count"] == expected


def test_a_second_run_adds_another_school(app):
    run_seed(app)
    run_seed(app, "--institutions", "1")
    with app.app_context():
        assert sorted(i["code"] for i in mongo.db.institutions.find()) == ["seed-0", "seed-1"]


def test_seeded_fees_are_consistent_and_a_cashier_can_take_the_next_payment(app):
    run_seed(app)
    with app.app_context():
        db = mongo.db
        assert db.fee_structures.count_documents({}) == 1
        assert db.invoices.count_documents({}) == 90
        for invoice in db.invoices.find():
            paid = sum(p["amountMinor"] for p in db.payments.find({"invoiceId": invoice["_id"]}))
            assert invoice["paidMinor"] == paid
            assert sum(i["amountMinor"] for i in invoice["instalments"]) == invoice["totalMinor"]
            expected = 128_000 if invoice["feeCategory"] == "sibling" else 140_000
            assert invoice["totalMinor"] == expected
        assert db.invoices.count_documents({"feeCategory": "sibling"}) == 9
        statuses = set(db.invoices.distinct("status"))
        assert statuses == {"issued", "partially_paid", "paid"}
        payments = db.payments.count_documents({})
        open_invoice = db.invoices.find_one({"status": "issued"})
    client = app.test_client()
    login = client.post(
        "/api/v1/auth/login",
        json={"email": "cashier@school0.seed.test", "password": SeedOptions.password},
    )
    headers = {"Authorization": f"Bearer {login.get_json()['token']}",
               "Idempotency-Key": "seeded-payment-1"}  # fmt: skip
    paid = client.post(
        "/api/v1/fees/payments", headers=headers,
        json={"invoiceId": str(open_invoice["_id"]), "amountMinor": 100, "method": "cash"},
    )  # fmt: skip
    assert paid.status_code == 201, paid.get_json()
    assert paid.get_json()["payment"]["receiptNumber"] == f"R-{payments + 1:06d}"
