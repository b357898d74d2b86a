"""A child with a record of every kind, made through the API (export and erasure tests)."""

from datetime import UTC, datetime, timedelta

from tests.fees.support import STRUCTURE, keyed

DAYS = [(datetime.now(UTC).date() - timedelta(days=n)).isoformat() for n in range(1, 4)]


def child_with_records(api, world, db):
    """Give the seeded student a record of every kind through the API; their ids by section."""
    db.enrollments.update_many({}, {"$set": {"startDate": datetime(2025, 9, 1, tzinfo=UTC)}})
    sam, room = str(world["a"]["student_record"]["_id"]), str(world["a"]["classroom"]["_id"])
    subject = str(world["a"]["subject"]["_id"])
    teacher, made = api("teacher"), {}
    made["attendance"] = [
        teacher.post("/attendance", json={"studentId": sam, "classroomId": room, "date": day,
                                          "status": "present", "scanMethod": "manual",
                                          "notes": "Sam Student came in late"})
        .get_json()["attendance"]["id"]
        for day in DAYS
    ]  # fmt: skip
    grade = teacher.post("/grades", json={
        "studentId": sam, "subjectId": subject, "classroomId": room, "academicYear": "2025-2026",
        "semester": "first", "gradeType": "exam", "title": "Midterm", "obtainedMarks": 40,
        "maxMarks": 50, "weightage": 1, "remarks": "Sam Student rushed",
    }).get_json()["grade"]  # fmt: skip
    teacher.patch(f"/grades/{grade['id']}", json={"obtainedMarks": 42,
                                                  "remarks": "Sam Student, re-marked"})  # fmt: skip
    made["grades"] = [grade["id"]]
    report = teacher.post("/reports", json={"studentId": sam, "academicYear": "2025-2026",
                                            "semester": "first",
                                            "remarks": "Sam Student works hard"})  # fmt: skip
    made["reportCards"] = [report.get_json()["report"]["id"]]
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat().replace("+00:00", "Z")
    assignment = teacher.post(
        "/assignments", json={"classroomId": room, "title": "Essay", "dueDate": due}
    ).get_json()["assignment"]
    submitted = api("student").post(f"/assignments/{assignment['id']}/submit",
                                    json={"content": "My essay, by Sam Student"})  # fmt: skip
    made["submissions"] = [submitted.get_json()["submission"]["id"]]
    card = api("student").get(f"/id-cards/{world['a']['student']['_id']}?userType=student")
    made["idCards"] = [card.get_json()["id"]]
    finance = api("finance")
    structure = finance.post("/fees/structures", json=STRUCTURE).get_json()["structure"]
    billed = finance.post(f"/fees/structures/{structure['id']}/invoices",
                          json={"studentIds": [sam], "issue": True})  # fmt: skip
    invoice = billed.get_json()["invoices"][0]
    made["invoices"] = [invoice["id"]]
    payment = api("cashier").post("/fees/payments", headers=keyed(), json={
        "invoiceId": invoice["id"], "amountMinor": 1_000, "method": "cash"}).get_json()  # fmt: skip
    made["payments"] = [payment["payment"]["id"]]
    made["enrollments"] = [str(world["a"]["enrollment"]["_id"])]
    made["accounts"] = [str(world["a"]["student"]["_id"])]
    made["guardianAccounts"] = [str(world["a"]["parent"]["_id"])]
    return sam, made
