"""QR payloads and the teacher app's session flow."""

from unittest import mock

import pytest
from bson import ObjectId

from educatenext.extensions import mongo
from educatenext.users.repository import UserRepository
from tests import factories


def qr_for(api, world, school="a", role="student"):
    """The student's own QR payload."""
    user_id = world[school]["student"]["_id"]
    response = api(role, school).post(f"/qr/generate/{user_id}", json={"userType": "student"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["qrData"]


def test_generate_and_validate(api, world):
    qr = qr_for(api, world)
    info = api("teacher").get(f"/qr/validate/{qr}").get_json()
    assert (info["valid"], info["userType"], info["name"]) == (True, "student", "Student A")
    someone_else = world["a"]["teacher"]["_id"]
    assert api("student").post(f"/qr/generate/{someone_else}", json={}).status_code == 404
    assert (
        api("admin").post(f"/qr/generate/{world['a']['student']['_id']}", json={}).status_code
        == 201
    )
    wrong_type = api("admin").post(f"/qr/generate/{someone_else}", json={"userType": "student"})
    assert wrong_type.status_code == 400


def test_teachers_generate_the_codes_of_their_classrooms_students(api, world):
    teacher, admin = api("teacher"), api("admin")
    own_student = world["a"]["student"]["_id"]
    generated = teacher.post(f"/qr/generate/{own_student}", json={"userType": "student"})
    assert generated.status_code == 201, generated.get_data(as_text=True)
    assert teacher.get(f"/qr/validate/{generated.get_json()['qrData']}").status_code == 200
    record = admin.post("/students", json=factories.student("Elsewhere"))
    account = admin.post(
        "/users",
        json={"name": "Elsewhere", "email": "elsewhere@a.test", "password": "Correct-Horse-9x!",
              "role": "student", "studentId": record.get_json()["student"]["id"]},
    )  # fmt: skip
    assert account.status_code == 201, account.get_data(as_text=True)
    elsewhere = account.get_json()["user"]["id"]
    assert teacher.post(f"/qr/generate/{elsewhere}", json={}).status_code == 404
    parent = world["a"]["parent"]["_id"]
    assert teacher.post(f"/qr/generate/{parent}", json={"userType": "parent"}).status_code == 404
    assert api("parent").post(f"/qr/generate/{own_student}", json={}).status_code == 404


def forged(qr):
    """Change one character of the signature."""
    body, signature = qr.split(".")
    return f"{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def test_forged_expired_foreign_and_replaced_codes_are_refused(api, world, app):
    qr = qr_for(api, world)
    assert api("teacher").get(f"/qr/validate/{forged(qr)}").get_json()["code"] == "QR_INVALID"
    assert api("teacher").get("/qr/validate/not-a-qr").get_json()["code"] == "QR_INVALID"
    foreign = qr_for(api, world, school="b")
    assert api("teacher").get(f"/qr/validate/{foreign}").get_json()["code"] == "QR_INVALID"
    replaced = qr_for(api, world)
    assert api("teacher").get(f"/qr/validate/{qr}").get_json()["code"] == "QR_INVALID"
    assert api("teacher").get(f"/qr/validate/{replaced}").status_code == 200
    app.config["QR_TTL_SECONDS"] = -5
    expired = qr_for(api, world)
    assert api("teacher").get(f"/qr/validate/{expired}").get_json()["code"] == "QR_EXPIRED"


def test_session_flow_records_each_student_once(api, world, app):
    room = str(world["a"]["classroom"]["_id"])
    started = api("teacher").post(
        "/attendance/sessions/start", json={"classroomId": room, "sessionType": "morning"}
    )
    assert started.status_code == 201
    session = started.get_json()["session"]
    again = api("teacher").post(
        "/attendance/sessions/start", json={"classroomId": room, "sessionType": "morning"}
    )
    assert again.status_code == 409
    other_type = api("teacher").post(
        "/attendance/sessions/start", json={"classroomId": room, "sessionType": "afternoon"}
    )
    assert other_type.status_code == 201
    qr = qr_for(api, world)
    app.config["QR_TTL_SECONDS"] = -5
    expired = qr_for(api, world, school="a")
    app.config["QR_TTL_SECONDS"] = 3600
    foreign = qr_for(api, world, school="b")
    valid = qr_for(api, world)  # replaces `qr` and `expired`
    for bad in (forged(valid), expired, foreign, qr):
        response = api("teacher").post(
            "/attendance/sessions/scan", json={"qrData": bad, "sessionId": session["id"]}
        )
        assert response.status_code == 400, bad
    with app.app_context():
        assert mongo.db.attendance.count_documents({}) == 0
    scan = {"qrData": valid, "sessionId": session["id"], "deviceId": "tablet-1"}
    first = api("teacher").post("/attendance/sessions/scan", json=scan)
    assert first.status_code == 201
    body = first.get_json()
    assert body["studentInfo"] == {
        "name": "Sam Student",
        "id": str(world["a"]["student_record"]["_id"]),
    }
    assert (body["attendanceRecord"]["status"], body["attendanceRecord"]["method"]) == (
        "present",
        "qr_scan",
    )
    second = api("teacher").post("/attendance/sessions/scan", json=scan)
    assert second.status_code == 200
    with app.app_context():
        assert mongo.db.attendance.count_documents({}) == 1
        assert (
            mongo.db.attendance_sessions.find_one({"sessionType": "morning"})["scannedCount"] == 1
        )
        # The scan took the classroom's attendance of the day (what completion reads).
        assert mongo.db.attendance_days.find_one()["classroomIds"] == [ObjectId(room)]
    active = api("teacher").get("/attendance/sessions/active").get_json()
    assert {s["sessionType"] for s in active} == {"morning", "afternoon"}
    ended = api("teacher").put(f"/attendance/sessions/{session['id']}/end", json={})
    assert ended.get_json()["session"]["status"] == "ended"
    assert api("teacher").post("/attendance/sessions/scan", json=scan).status_code == 409
    history = api("teacher").get(f"/attendance/sessions/history?classroomId={room}").get_json()
    assert len(history) == 2
    assert api("teacher", "b").get("/attendance/sessions/history").get_json() == []


@pytest.mark.parametrize("role", ["student", "parent", "finance"])
def test_only_staff_run_sessions(api, world, role):
    room = str(world["a"]["classroom"]["_id"])
    assert (
        api(role).post("/attendance/sessions/start", json={"classroomId": room}).status_code == 403
    )


def test_a_refused_generation_keeps_the_current_code(api, world):
    """A wrong userType is refused before the version moves: the code in use still validates."""
    qr = qr_for(api, world)
    student = world["a"]["student"]["_id"]
    refused = api("admin").post(f"/qr/generate/{student}", json={"userType": "teacher"})
    assert refused.status_code == 400
    assert api("teacher").get(f"/qr/validate/{qr}").get_json()["valid"] is True


def test_a_generation_overtaken_by_another_reads_the_version_again(api, world, app, db):
    """Another generation moves the version between the read and the write: the next try wins."""
    student = world["a"]["student"]["_id"]
    real_replace = UserRepository.replace_qr_code
    overtaken = []

    def another_first(self, user, version, qr_data):
        if len(overtaken) < times:
            overtaken.append(user["_id"])
            db.users.update_one({"_id": user["_id"]}, {"$inc": {"qrVersion": 1}})
        return real_replace(self, user, version, qr_data)

    times = 1
    with mock.patch.object(UserRepository, "replace_qr_code", another_first):
        qr = qr_for(api, world)
    assert api("teacher").get(f"/qr/validate/{qr}").get_json()["valid"] is True
    assert db.users.find_one({"_id": student})["qrVersion"] == 2  # the other's 1, then ours

    overtaken.clear()
    times = 3
    with mock.patch.object(UserRepository, "replace_qr_code", another_first):
        response = api("student").post(f"/qr/generate/{student}", json={"userType": "student"})
    assert (response.status_code, response.get_json()["code"]) == (409, "CONFLICT")
    assert len(overtaken) == 3
