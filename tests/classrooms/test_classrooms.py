"""Classrooms: their rules, row-level access by teacher, the school's active set."""

from educatenext.extensions import mongo
from tests import factories


def test_primary_teacher_change_moves_row_level_access(api, world, app):
    new_teacher = (
        api()
        .post(
            "/teachers",
            json={
                "name": "Ned New",
                "email": "ned@a.test",
                "password": "ned teaches art",
                "employeeId": "T-3",
            },
        )
        .get_json()["teacher"]
    )
    room = str(world["a"]["classroom"]["_id"])
    assert [s["name"] for s in api("teacher").get("/students").get_json()] == ["Sam Student"]
    response = api().patch(f"/classrooms/{room}", json={"primaryTeacherId": new_teacher["id"]})
    assert response.status_code == 200
    assert api("teacher").get("/students").get_json() == []
    assert api("teacher").get(f"/classrooms/{room}").status_code == 404
    assert api("teacher").get("/classrooms").get_json() == []
    with app.app_context():
        ned = mongo.db.users.find_one({"email": "ned@a.test"})
        old = mongo.db.users.find_one({"_id": world["a"]["teacher"]["_id"]})
    assert ned["classroomIds"] == [world["a"]["classroom"]["_id"]]
    assert old["classroomIds"] == []


def test_classroom_rules(api, world):
    room = str(world["a"]["classroom"]["_id"])
    shrink = api().patch(f"/classrooms/{room}", json={"capacity": 0})
    assert shrink.status_code == 400
    api().post("/classrooms", json={"name": "Tiny", "academicYear": "2025-2026", "capacity": 1})
    rooms = api().get("/classrooms?academicYear=2025-2026&sort=name").get_json()
    assert [r["name"] for r in rooms] == ["Grade 5 A", "Tiny"]
    assert rooms[0]["enrolledCount"] == 1
    duplicate = api().post(
        "/classrooms", json={"name": "grade 5 a", "academicYear": "2025-2026", "capacity": 3}
    )
    assert duplicate.status_code == 409
    unknown_teacher = api().post(
        "/classrooms",
        json={
            "name": "Z",
            "academicYear": "2025-2026",
            "capacity": 3,
            "primaryTeacherId": "64b000000000000000000001",
        },
    )
    assert unknown_teacher.status_code == 400
    unknown_subject = api().post(
        "/classrooms",
        json={
            "name": "Z",
            "academicYear": "2025-2026",
            "capacity": 3,
            "subjectIds": ["64b000000000000000000001"],
        },
    )
    assert unknown_subject.status_code == 400
    api().post("/students", json=factories.student("Second", classroomId=room))
    below = api().patch(f"/classrooms/{room}", json={"capacity": 1})
    assert below.status_code == 409
    assert api().delete(f"/classrooms/{room}").get_json()["classroom"]["status"] == "archived"
    full = api().post("/students", json=factories.student("Late", classroomId=room))
    assert full.status_code == 409


def test_every_classroom_write_keeps_the_schools_active_set(api, app, world):
    """Create, archive, reactivate: the one document completion reads follows each write."""

    def active_set(school):
        with app.app_context():
            institution = world[school]["institution"]["_id"]
            document = mongo.db.active_classrooms.find_one({"institutionId": institution})
            return sorted(str(i) for i in document["classroomIds"])

    grade_5 = str(world["a"]["classroom"]["_id"])
    assert active_set("a") == [grade_5]
    tiny = (
        api()
        .post("/classrooms", json={"name": "Tiny", "academicYear": "2025-2026", "capacity": 1})
        .get_json()["classroom"]["id"]
    )
    assert active_set("a") == sorted([grade_5, tiny])
    assert active_set("b") == [str(world["b"]["classroom"]["_id"])]  # another school's untouched
    api().delete(f"/classrooms/{tiny}")
    assert active_set("a") == [grade_5]
    api().patch(f"/classrooms/{tiny}", json={"capacity": 2})  # still archived
    assert active_set("a") == [grade_5]
    api().patch(f"/classrooms/{tiny}", json={"status": "active"})
    assert active_set("a") == sorted([grade_5, tiny])
    duplicate = api().post(
        "/classrooms", json={"name": "tiny", "academicYear": "2025-2026", "capacity": 3}
    )
    assert duplicate.status_code == 409
    assert active_set("a") == sorted([grade_5, tiny])  # the failed write added nothing
