"""Assignments: classroom visibility, due-soon, submissions marked late after the due date."""

from datetime import UTC, datetime, timedelta
from unittest import mock

from bson import ObjectId
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError


def iso(moment):
    """ISO 8601 with Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_assignment_flow(api, world, app):
    room = str(world["a"]["classroom"]["_id"])
    now = datetime.now(UTC)
    soon = api("teacher").post(
        "/assignments",
        json={"classroomId": room, "title": "Fractions", "dueDate": iso(now + timedelta(days=2))},
    )
    assert soon.status_code == 201, soon.get_data(as_text=True)
    past = (
        api("teacher")
        .post(
            "/assignments",
            json={
                "classroomId": room,
                "title": "Decimals",
                "dueDate": iso(now - timedelta(hours=1)),
            },
        )
        .get_json()["assignment"]
    )
    api("teacher").post(
        "/assignments",
        json={"classroomId": room, "title": "Later", "dueDate": iso(now + timedelta(days=30))},
    )
    assert [a["title"] for a in api("student").get("/assignments/due-soon").get_json()] == [
        "Fractions"
    ]
    assert [a["title"] for a in api("parent").get("/assignments/due-soon?days=60").get_json()] == [
        "Fractions",
        "Later",
    ]
    assert len(api("student").get("/assignments").get_json()) == 3
    assert api("student", "b").get("/assignments").get_json() == []
    assert api("teacher", "b").get(f"/assignments/{past['id']}").status_code == 404

    on_time = api("student").post(
        f"/assignments/{soon.get_json()['assignment']['id']}/submit", json={"content": "1/2"}
    )
    assert on_time.status_code == 201
    assert on_time.get_json()["submission"]["status"] == "submitted"
    late = api("student").post(f"/assignments/{past['id']}/submit", json={"content": "0.5"})
    assert late.get_json()["submission"]["status"] == "late"
    again = api("student").post(f"/assignments/{past['id']}/submit", json={"content": "0.50"})
    assert again.status_code == 200
    [submission] = api("teacher").get(f"/assignments/{past['id']}/submissions").get_json()
    assert (submission["content"], submission["status"]) == ("0.50", "late")
    closed = api("teacher").patch(f"/assignments/{past['id']}", json={"status": "archived"})
    assert closed.get_json()["assignment"]["status"] == "archived"
    assert api("student").post(f"/assignments/{past['id']}/submit", json={}).status_code == 409
    assert api("parent").post(f"/assignments/{past['id']}/submit", json={}).status_code == 403


def test_rules(api, world):
    other = api().post(
        "/classrooms", json={"name": "Other", "academicYear": "2025-2026", "capacity": 3}
    )
    other_id = other.get_json()["classroom"]["id"]
    due = iso(datetime.now(UTC) + timedelta(days=1))
    assert (
        api("teacher")
        .post("/assignments", json={"classroomId": other_id, "title": "x", "dueDate": due})
        .status_code
        == 404
    )
    naive = api("teacher").post(
        "/assignments",
        json={
            "classroomId": str(world["a"]["classroom"]["_id"]),
            "title": "x",
            "dueDate": "2025-10-10T10:00:00",
        },
    )
    assert naive.status_code == 400
    assert api("teacher").get(f"/assignments?classroomId={other_id}").get_json() == []
    assert len(api().get(f"/assignments?classroomId={other_id}&status=active").get_json()) == 0


def open_assignment(api, world):
    """An active assignment for school a's classroom, due in two days; its id."""
    room = str(world["a"]["classroom"]["_id"])
    due = iso(datetime.now(UTC) + timedelta(days=2))
    created = api("teacher").post(
        "/assignments", json={"classroomId": room, "title": "Essay", "dueDate": due}
    )
    return created.get_json()["assignment"]["id"]


def test_a_resubmission_whose_submission_went_meanwhile_writes_it_anew(api, world, db):
    """The update finds nothing (removed since the read): the work is inserted, not lost."""
    assignment = open_assignment(api, world)
    first = api("student").post(f"/assignments/{assignment}/submit", json={"content": "v1"})
    assert first.status_code == 201
    real_update_one = Collection.update_one

    def removed_first(self, filter_, *args, **kwargs):
        if self.name == "submissions":
            self.delete_many({"assignmentId": ObjectId(assignment)})
        return real_update_one(self, filter_, *args, **kwargs)

    with mock.patch.object(Collection, "update_one", removed_first):
        again = api("student").post(f"/assignments/{assignment}/submit", json={"content": "v2"})
    assert again.status_code == 201  # as a first submission: the earlier one was gone
    [stored] = db.submissions.find({"assignmentId": ObjectId(assignment)})
    assert (stored["content"], stored["status"]) == ("v2", "submitted")


def test_a_duplicate_on_another_unique_index_is_a_conflict_not_a_loop(api, world, db):
    """An insert refused while no submission has the key: 409 envelope, nothing written."""
    assignment = open_assignment(api, world)

    real_insert_one = Collection.insert_one
    student = api("student")  # logged in before the patch: a login inserts its session

    def refused(self, document, *args, **kwargs):
        if self.name == "submissions":
            raise DuplicateKeyError("E11000 duplicate key", 11000, {"keyPattern": {"other": 1}})
        return real_insert_one(self, document, *args, **kwargs)

    with mock.patch.object(Collection, "insert_one", refused):
        response = student.post(f"/assignments/{assignment}/submit", json={"content": "x"})
    assert (response.status_code, response.get_json()["code"]) == (409, "DUPLICATE_KEY")
    assert db.submissions.count_documents({"assignmentId": ObjectId(assignment)}) == 0
