"""A student's data export: everything held about the child, streamed, audited, limited."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from tests import factories
from tests.privacy.support import DAYS, child_with_records

pytestmark = pytest.mark.mongo


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
