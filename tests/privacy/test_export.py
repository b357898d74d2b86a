"""A student's data export: everything held about the child, streamed, audited, limited."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from tests import factories
from tests.fees.support import STRUCTURE, keyed

pytestmark = pytest.mark.mongo

DAYS = [(datetime.now(UTC).date() - timedelta(days=n)).isoformat() for n in range(1, 4)]


def child_with_records(api, world, db):
    """Give the seeded student a record of every kind through the API; their ids by section."""
    db.enrollments.update_many({}, {"$set": {"startDate": datetime(2025, 9, 1, tzinfo=UTC)}})
    sam, room = str(world["a"]["student_record"]["_id"]), str(world["a"]["classroom"]["_id"])
    subject = str(world["a"]["subject"]["_id"])
    teacher, made = api("teacher"), {}
    made["attendance"] = [
        teacher.post("/attendance", json={"studentId": sam, "classroomId": room, "date": day,
                                          "status": "present", "scanMethod": "manual"})
        .get_json()["attendance"]["id"]
        for day in DAYS
    ]  # fmt: skip
    grade = teacher.post("/grades", json={
        "studentId": sam, "subjectId": subject, "classroomId": room, "academicYear": "2025-2026",
        "semester": "first", "gradeType": "exam", "title": "Midterm", "obtainedMarks": 40,
        "maxMarks": 50, "weightage": 1}).get_json()["grade"]  # fmt: skip
    teacher.patch(f"/grades/{grade['id']}", json={"obtainedMarks": 42})  # a corrected grade
    made["grades"] = [grade["id"]]
    report = teacher.post("/reports", json={"studentId": sam, "academicYear": "2025-2026",
                                            "semester": "first"})  # fmt: skip
    made["reportCards"] = [report.get_json()["report"]["id"]]
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat().replace("+00:00", "Z")
    assignment = teacher.post(
        "/assignments", json={"classroomId": room, "title": "Essay", "dueDate": due}
    ).get_json()["assignment"]
    submitted = api("student").post(f"/assignments/{assignment['id']}/submit",
                                    json={"content": "My essay"})  # fmt: skip
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


def test_a_parent_exports_every_record_the_school_holds_about_their_child(api, world, db):
    sam, made = child_with_records(api, world, db)
    other = api().post("/students", json=factories.student("Other Child")).get_json()["student"]
    response = api("parent").get(f"/students/{sam}/export")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.is_streamed
    assert response.mimetype == "application/json"
    assert f"student-{sam}.json" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert (document["format"], document["student"]["_id"]) == ("educatenext.student-export", sam)
    assert document["student"]["medicalNotes"] == "Peanut allergy"
    assert "nationalId" not in document["student"]  # what a parent's role may see of the record
    for section, ids in made.items():
        exported = {record["_id"] for record in document[section]}
        assert set(ids) <= exported, section
        assert sam in {r.get("studentId") for r in document[section]} or section in (
            "accounts", "guardianAccounts", "idCards")  # fmt: skip
    assert [h["previous"]["obtainedMarks"] for h in document["grades"][0]["history"]] == [40]
    assert {r["date"][:10] for r in document["attendance"]} == set(DAYS)
    for account in document["accounts"] + document["guardianAccounts"]:
        assert not {"passwordHash", "childStudentIds"} & account.keys()
    events = {(e["resourceType"], e["action"]) for e in document["auditEvents"]}
    assert {("students", "create"), ("grades", "create"), ("grades", "update"),
            ("invoices", "create"), ("payments", "create")} <= events  # fmt: skip
    text = response.get_data(as_text=True)
    assert other["id"] not in text
    assert "Other Child" not in text
    logged = db.audit_events.find_one({"action": "export", "resourceIds": ObjectId(sam)})
    assert logged["actorId"] == world["a"]["parent"]["_id"]


def test_only_admins_and_the_childs_parents_may_export(api, world):
    sam = str(world["a"]["student_record"]["_id"])
    other = api().post("/students", json=factories.student("Not Yours")).get_json()["student"]
    assert api("admin").get(f"/students/{sam}/export").status_code == 200
    assert api("parent").get(f"/students/{other['id']}/export").status_code == 404
    for role in ("teacher", "student", "finance"):
        assert api(role).get(f"/students/{sam}/export").status_code == 403, role
    assert api("admin", "b").get(f"/students/{sam}/export").status_code == 404


def test_a_long_record_streams_in_chunks(api, world, db):
    sam = world["a"]["student_record"]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    db.attendance.insert_many(
        {"institutionId": sam["institutionId"], "studentId": sam["_id"],
         "classroomId": sam["classroomId"], "date": start + timedelta(days=n), "status": "present",
         "notes": "x" * 100}
        for n in range(2_000)
    )  # fmt: skip
    response = api("admin").get(f"/students/{sam['_id']}/export")
    chunks = list(response.response)
    assert len(chunks) > 4  # written while the cursor is read, not built whole first
    assert max(len(chunk) for chunk in chunks) < 200 * 1024
    document = json.loads(b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks))
    assert len(document["attendance"]) == 2_000
