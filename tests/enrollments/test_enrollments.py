"""Enrollments: capacity, one active per student, withdraw/transfer, bulk, row-level."""

from concurrent.futures import ThreadPoolExecutor

from educatenext.extensions import mongo
from tests import factories


def new_classroom(api, name="Grade 7 C", capacity=2):
    """Create a classroom through the API; returns its id."""
    response = api().post(
        "/classrooms", json={"name": name, "academicYear": "2025-2026", "capacity": capacity}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["classroom"]["id"]


def new_student(api, name):
    """Create an unplaced student; returns its id."""
    return api().post("/students", json=factories.student(name)).get_json()["student"]["id"]


def seats(app, classroom_id):
    """enrolledCount as stored."""
    from bson import ObjectId

    with app.app_context():
        return mongo.db.classrooms.find_one({"_id": ObjectId(classroom_id)})["enrolledCount"]


def test_enroll_enforces_capacity_and_one_active_enrollment(api, app):
    room = new_classroom(api, capacity=1)
    first, second = new_student(api, "First"), new_student(api, "Second")
    created = api().post(
        "/enrollments", json={"studentId": first, "classroomId": room, "startDate": "2025-09-01"}
    )
    assert created.status_code == 201
    enrollment = created.get_json()["enrollment"]
    assert (enrollment["status"], enrollment["startDate"], enrollment["academicYear"]) == (
        "active", "2025-09-01", "2025-2026",
    )  # fmt: skip
    full = api().post("/enrollments", json={"studentId": second, "classroomId": room})
    assert full.status_code == 409
    assert full.get_json()["code"] == "CLASSROOM_FULL"
    other_room = new_classroom(api, "Grade 8 D")
    again = api().post("/enrollments", json={"studentId": first, "classroomId": other_room})
    assert again.status_code == 409
    assert again.get_json()["code"] == "ALREADY_ENROLLED"
    assert seats(app, room) == 1
    assert seats(app, other_room) == 0  # the failed attempt's seat was rolled back


def test_both_sides_must_belong_to_the_school(api, world):
    room = new_classroom(api)
    other_student = str(world["b"]["student_record"]["_id"])
    response = api().post("/enrollments", json={"studentId": other_student, "classroomId": room})
    assert response.status_code == 400
    assert response.get_json()["details"][0]["field"] == "studentId"
    mine = new_student(api, "Mine")
    other_room = str(world["b"]["classroom"]["_id"])
    response = api().post("/enrollments", json={"studentId": mine, "classroomId": other_room})
    assert response.status_code == 400
    assert response.get_json()["details"][0]["field"] == "classroomId"


def test_withdraw_and_transfer(api, app, world):
    student = str(world["a"]["student_record"]["_id"])
    enrollment = str(world["a"]["enrollment"]["_id"])
    old_room = str(world["a"]["classroom"]["_id"])
    new_room = new_classroom(api)
    moved = api().post(
        f"/enrollments/{enrollment}/transfer", json={"classroomId": new_room, "date": "2026-01-10"}
    )
    assert moved.status_code == 201, moved.get_data(as_text=True)
    current = moved.get_json()["enrollment"]
    assert (current["classroomId"], current["startDate"]) == (new_room, "2026-01-10")
    closed = api().get(f"/enrollments/{enrollment}").get_json()
    assert (closed["status"], closed["endDate"], closed["transferredTo"]) == (
        "transferred",
        "2026-01-10",
        new_room,
    )
    assert (seats(app, old_room), seats(app, new_room)) == (0, 1)
    assert api().get(f"/students/{student}").get_json()["classroomId"]["id"] == new_room
    withdrawn = api().patch(
        f"/enrollments/{current['id']}", json={"status": "withdrawn", "reason": "moved away"}
    )
    assert withdrawn.get_json()["enrollment"]["status"] == "withdrawn"
    assert seats(app, new_room) == 0
    again = api().patch(f"/enrollments/{current['id']}", json={"status": "withdrawn"})
    assert again.status_code == 409
    history = api().get(f"/enrollments?studentId={student}").get_json()
    assert sorted(e["status"] for e in history) == ["transferred", "withdrawn"]


def test_bulk_enrollment_reports_each_student(api, world):
    room = new_classroom(api, capacity=2)
    students = [new_student(api, f"B{n}") for n in range(3)]
    already = str(world["a"]["student_record"]["_id"])
    payload = {"classroomId": room, "studentIds": [*students, already, "64b000000000000000000001"]}
    body = api().post("/enrollments/bulk", json=payload).get_json()
    assert [r["status"] for r in body["results"]] == [
        "enrolled",
        "enrolled",
        "error",
        "error",
        "error",
    ]
    assert [r.get("error", {}).get("code") for r in body["results"]][2:] == [
        "CLASSROOM_FULL", "ALREADY_ENROLLED", "VALIDATION_ERROR",
    ]  # fmt: skip
    assert (body["succeeded"], body["failed"]) == (2, 3)


def test_concurrent_enrollments_never_exceed_capacity(api, app, auth_headers):
    room = new_classroom(api, capacity=5)
    students = [new_student(api, f"C{n}") for n in range(10)]
    headers = auth_headers("admin")

    def enroll(student_id):
        with app.test_client() as client:
            return client.post(
                "/api/v1/enrollments",
                json={"studentId": student_id, "classroomId": room},
                headers=headers,
            ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(enroll, students))
    assert statuses == [201] * 5 + [409] * 5
    assert seats(app, room) == 5


def test_teachers_see_their_classrooms_enrollments_only(api, world):
    room = new_classroom(api)
    api().post(
        "/enrollments", json={"studentId": new_student(api, "Elsewhere"), "classroomId": room}
    )
    teacher_view = api("teacher").get("/enrollments").get_json()
    assert [e["classroomId"] for e in teacher_view] == [str(world["a"]["classroom"]["_id"])]
    assert api("teacher").get(f"/enrollments?classroomId={room}").get_json() == []
    assert (
        api("admin").get(f"/enrollments?classroomId={room}&status=active").headers["X-Total-Count"]
        == "1"
    )
    assert api("parent").get("/enrollments").status_code == 403


def test_bulk_falls_back_to_one_by_one_after_a_lost_race(api, app, monkeypatch):
    """If the batch transaction cannot take all seats, each student is tried on its own."""
    from educatenext.classrooms.repository import ClassroomRepository

    room = new_classroom(api, capacity=3)
    students = [new_student(api, f"R{n}") for n in range(3)]
    original = ClassroomRepository.take_seat

    def lose_batch_race(self, classroom_id, seats=1):
        return None if seats > 1 else original(self, classroom_id, seats)

    monkeypatch.setattr(ClassroomRepository, "take_seat", lose_batch_race)
    body = (
        api()
        .post("/enrollments/bulk", json={"classroomId": room, "studentIds": students})
        .get_json()
    )
    assert [r["status"] for r in body["results"]] == ["enrolled"] * 3
    assert seats(app, room) == 3


def test_bulk_with_unknown_classroom_fails_every_item(api):
    student = new_student(api, "Lonely")
    payload = {"classroomId": "64b000000000000000000001", "studentIds": [student]}
    body = api().post("/enrollments/bulk", json=payload).get_json()
    assert body["results"][0]["error"]["code"] == "VALIDATION_ERROR"


def test_a_retry_after_a_lost_enrollment_answer_returns_the_enrollment(api, app, monkeypatch):
    from datetime import datetime

    from bson import ObjectId

    from educatenext.idempotency.repository import IdempotencyRepository

    room, pupil = new_classroom(api, capacity=5), new_student(api, "Lost Answer")
    body, headers = {"studentId": pupil, "classroomId": room}, {"Idempotency-Key": "enrol-lost-1"}
    monkeypatch.setattr(IdempotencyRepository, "complete", lambda *args: None)
    first = api().post("/enrollments", json=body, headers=headers)
    monkeypatch.undo()
    with app.app_context():
        mongo.db.idempotency_keys.update_many({}, {"$set": {"leaseUntil": datetime(2000, 1, 1)}})

    retried = api().post("/enrollments", json=body, headers=headers)

    assert (first.status_code, retried.status_code) == (201, 201), retried.get_json()
    assert retried.get_json()["enrollment"]["id"] == first.get_json()["enrollment"]["id"]
    assert seats(app, room) == 1
    with app.app_context():
        assert mongo.db.enrollments.count_documents({"studentId": ObjectId(pupil)}) == 1
