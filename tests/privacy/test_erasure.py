"""Erasure: after it no collection, Redis entry, endpoint, export or restored backup names the
child, while attendance, marks and money stay."""

import base64
import json
import os

import pytest
import redis
from bson import ObjectId, json_util

from educatenext.extensions import mongo
from educatenext.platform.mongo.backup import backup_command, restore_command
from tests import factories
from tests.fees.support import keyed
from tests.privacy.support import child_with_records

pytestmark = pytest.mark.mongo

# What the tests stored about the seeded child and their account (tests/conftest.py).
PERSONAL = ("Sam Student", "Peanut allergy", "NID-1", "Student A", "student@a.test")


def mentions(app, db, texts=PERSONAL):
    """Which of texts any document of any collection, or any of the app's Redis values, holds.

    School B's seeded child has the same name and notes: its documents are left out.
    """
    found = set()
    school_b = db.institutions.find_one({"code": "school-b"})["_id"]
    for name in db.list_collection_names():
        dumped = json_util.dumps(list(db[name].find({"institutionId": {"$ne": school_b}})))
        found |= {(name, text) for text in texts if text in dumped}
    client = redis.Redis.from_url(app.config["REDIS_URL"])
    for key in client.scan_iter(match=f"test:{app.config['CACHE_KEY_PREFIX'].split(':')[1]}:*"):
        kind = client.type(key)
        value = client.get(key) if kind == b"string" else repr(client.dump(key))
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        found |= {("redis", t) for t in texts if t in text}
    return found


def erase(admin, student_id, reason="Family request under GDPR art. 17"):
    """Both steps; the second step's response."""
    first = admin.post(f"/students/{student_id}/erase", json={"reason": reason})
    assert first.status_code == 202, first.get_json()
    token = first.get_json()["confirmationToken"]
    return admin.post(f"/students/{student_id}/erase",
                      json={"reason": reason, "confirmationToken": token})  # fmt: skip


def test_after_erasure_nothing_names_the_child_and_the_records_stay(
    app, api, world, db, login, client
):
    sam, made = child_with_records(api, world, db)
    student_token = login("student@a.test")["token"]
    for role in ("admin", "teacher", "parent"):  # responses cached in Redis with the name
        api(role).get("/students")
        api(role).get(f"/students/{sam}")
    api("admin").get(f"/students/{sam}/export")
    assert ("students", "Sam Student") in mentions(app, db)
    assert ("redis", "Sam Student") in mentions(app, db)
    attendance_before = db.attendance.count_documents({"studentId": ObjectId(sam)})

    erased = erase(api("admin"), sam)
    assert erased.status_code == 200, erased.get_json()
    assert erased.get_json()["erased"]["accounts"] == 1, erased.get_json()

    assert mentions(app, db) == set()
    assert mentions(app, db, ("Sam Student came in late", "My essay", "rushed")) == set()
    record = api("admin").get(f"/students/{sam}").get_json()
    assert record["name"] == "Erased student"
    assert "medicalNotes" not in record or record["medicalNotes"] is None
    names = [s["name"] for s in api("admin").get("/students?status=inactive").get_json()]
    assert "Sam Student" not in names
    export = api("admin").get(f"/students/{sam}/export").get_data(as_text=True)
    assert "Sam Student" not in export
    # What the school keeps: attendance, marks, money, without the person.
    assert db.attendance.count_documents({"studentId": ObjectId(sam)}) == attendance_before
    grade = db.grades.find_one({"_id": ObjectId(made["grades"][0])})
    assert (grade["obtainedMarks"], grade["remarks"]) == (42, None)
    invoice = db.invoices.find_one({"_id": ObjectId(made["invoices"][0])})
    assert invoice["paidMinor"] == 1_000
    # The account cannot be used: its session is gone, its login refused.
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {student_token}"})
    assert me.status_code == 401
    login("student@a.test", expect=400)
    event = db.audit_events.find_one({"action": "erase", "resourceIds": ObjectId(sam)})
    assert event["values"] == {"reason": "Family request under GDPR art. 17"}
    assert db.erasures.count_documents({"studentId": ObjectId(sam)}) == 1


def test_erasure_needs_the_admins_own_confirmation(api, world, auth_headers, client):
    sam = str(world["a"]["student_record"]["_id"])
    first = api("admin").post(f"/students/{sam}/erase", json={"reason": "Family request"})
    token = first.get_json()["confirmationToken"]
    assert (
        api("teacher").post(f"/students/{sam}/erase", json={"reason": "x" * 5}).status_code == 403
    )
    assert api("admin").post(f"/students/{sam}/erase", json={}).status_code == 400
    assert api("admin", "b").post(
        f"/students/{sam}/erase", json={"reason": "Family request", "confirmationToken": token}
    ).status_code == 404  # fmt: skip
    other = api().post("/students", json=factories.student("Kept Child")).get_json()["student"]
    wrong_child = api("admin").post(
        f"/students/{other['id']}/erase",
        json={"reason": "Family request", "confirmationToken": token},
    )
    assert wrong_child.status_code == 403
    assert wrong_child.get_json()["code"] == "FORBIDDEN"
    assert api("admin").get(f"/students/{sam}").get_json()["name"] == "Sam Student"
    # An access token is not a confirmation either.
    access = auth_headers("admin")["Authorization"].split()[1]
    forged = api("admin").post(
        f"/students/{sam}/erase", json={"reason": "Family request", "confirmationToken": access}
    )
    assert forged.status_code == 403


def test_a_stored_replay_of_a_request_that_named_the_child_is_tombstoned(api, db):
    created = api().post("/students", headers=keyed("create-ivy-0001"),
                         json=factories.student("Ivy Erasable"))  # fmt: skip
    ivy = created.get_json()["student"]["id"]
    assert erase(api("admin"), ivy).status_code == 200
    replay = api().post("/students", headers=keyed("create-ivy-0001"),
                        json=factories.student("Ivy Erasable"))  # fmt: skip
    assert "Ivy Erasable" not in replay.get_data(as_text=True)
    assert db.students.count_documents({"name": "Ivy Erasable"}) == 0


def test_a_restored_backup_taken_before_the_erasure_is_erased_again(
    app, api, world, db, make_app, tmp_path
):
    keys = tmp_path / "keys"
    keys.mkdir()
    key_file = keys / "backup.key"
    key_file.write_bytes(base64.b64encode(os.urandom(32)))
    archive = tmp_path / "before.enbak"
    app.config["ERASURE_LOG_PATH"] = str(tmp_path / "erasure-log.jsonl")
    sam, _ = child_with_records(api, world, db)
    result = app.test_cli_runner().invoke(
        backup_command, ["--out", str(archive), "--key-file", str(key_file)]
    )
    assert result.exit_code == 0, result.output
    assert erase(api("admin"), sam).status_code == 200
    lines = (tmp_path / "erasure-log.jsonl").read_text().splitlines()
    logged = [json.loads(line) for line in lines]
    assert [entry["studentId"] for entry in logged] == [sam]
    assert not {"Sam Student", "Student A"} & set(json.dumps(logged).split('"'))

    target = make_app(migrate=False, ERASURE_LOG_PATH=str(tmp_path / "erasure-log.jsonl"))
    with target.app_context():  # the db fixture holds the source app's context open
        restored = target.test_cli_runner().invoke(
            restore_command, [str(archive), "--key-file", str(key_file)]
        )
        assert restored.exit_code == 0, restored.output
        assert "re-applied 1 erasure(s)" in restored.output
        restored_db = mongo.db
        assert mentions(target, restored_db) == set()
        assert restored_db.students.find_one({"_id": ObjectId(sam)})["name"] == "Erased student"
        assert restored_db.erasures.count_documents({}) == 1
