"""Attendance: one record per student/classroom/day, roster entry, rules, row-level lists."""

from datetime import UTC, datetime, timedelta

from educatenext.extensions import mongo

TODAY = datetime.now(UTC).date()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


def mark(api, world, role="teacher", day=YESTERDAY, status="present", **extra):
    """POST /attendance for the seeded student."""
    payload = {
        "studentId": str(world["a"]["student_record"]["_id"]),
        "classroomId": str(world["a"]["classroom"]["_id"]),
        "date": day,
        "status": status,
        "scanMethod": "manual",
        **extra,
    }
    return api(role).post("/attendance", json=payload)


def backdate_enrollment(app, world, days=30):
    """The seeded enrollment started today; move it back so past days count."""
    with app.app_context():
        start = datetime.combine(TODAY - timedelta(days=days), datetime.min.time(), tzinfo=UTC)
        mongo.db.enrollments.update_many({}, {"$set": {"startDate": start}})


def test_create_then_update_the_same_day(api, world, app):
    backdate_enrollment(app, world)
    created = mark(api, world)
    assert created.status_code == 201
    record = created.get_json()["attendance"]
    assert (record["date"], record["status"], record["method"]) == (YESTERDAY, "present", "manual")
    same = mark(api, world)
    assert same.status_code == 200
    changed = mark(api, world, status="late")
    assert changed.status_code == 200
    assert changed.get_json()["attendance"]["status"] == "late"
    with app.app_context():
        assert mongo.db.attendance.count_documents({}) == 1


def test_rules(api, world, app):
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert mark(api, world, day=tomorrow).status_code == 400
    before_enrollment = mark(api, world, day=YESTERDAY)  # enrolled today, not yesterday
    assert before_enrollment.status_code == 409
    assert before_enrollment.get_json()["code"] == "NOT_ENROLLED"
    assert mark(api, world, day=TODAY.isoformat()).status_code == 201
    other_room = api().post(
        "/classrooms", json={"name": "Other", "academicYear": "2025-2026", "capacity": 5}
    )
    payload = {
        "studentId": str(world["a"]["student_record"]["_id"]),
        "date": TODAY.isoformat(),
        "classroomId": other_room.get_json()["classroom"]["id"],
        "status": "present",
    }
    assert api("teacher").post("/attendance", json=payload).status_code == 404
    assert mark(api, world, role="parent").status_code == 403
    assert mark(api, world, status="sleeping").status_code == 400


def test_roster_is_idempotent(api, world, app):
    room = str(world["a"]["classroom"]["_id"])
    others = [
        api()
        .post("/students", json={"name": f"R{n}", "admissionYear": 2025, "classroomId": room})
        .get_json()["student"]["id"]
        for n in range(2)
    ]
    backdate_enrollment(app, world)
    stranger = (
        api()
        .post("/students", json={"name": "Stranger", "admissionYear": 2025})
        .get_json()["student"]["id"]
    )
    entries = [
        {"studentId": str(world["a"]["student_record"]["_id"]), "status": "present"},
        {"studentId": others[0], "status": "absent"},
        {"studentId": others[1], "status": "late"},
    ]
    roster = {"classroomId": room, "date": YESTERDAY, "entries": entries}
    first = api("teacher").post("/attendance/roster", json=roster).get_json()
    assert (first["created"], first["updated"], first["unchanged"], first["failed"]) == (3, 0, 0, 0)
    with app.app_context():
        stamps = sorted(d["updatedAt"] for d in mongo.db.attendance.find())
    second = api("teacher").post("/attendance/roster", json=roster).get_json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    with app.app_context():
        assert sorted(d["updatedAt"] for d in mongo.db.attendance.find()) == stamps
    entries[1]["status"] = "excused"
    third = api("teacher").post(
        "/attendance/roster",
        json={**roster, "entries": [*entries, {"studentId": stranger, "status": "present"}]},
    )
    body = third.get_json()
    assert (body["updated"], body["unchanged"], body["failed"]) == (1, 2, 1)
    assert body["results"][3] == {"studentId": stranger, "status": "error", "error": "NOT_ENROLLED"}
    with app.app_context():
        assert mongo.db.attendance.count_documents({}) == 3


def test_lists_follow_row_level_rules(api, world, app):
    backdate_enrollment(app, world)
    mark(api, world, day=YESTERDAY)
    mark(api, world, day=TODAY.isoformat(), status="absent")
    assert len(api("student").get("/attendance").get_json()) == 2
    assert len(api("parent").get("/attendance").get_json()) == 2
    assert len(api("teacher").get(f"/attendance?startDate={TODAY.isoformat()}").get_json()) == 1
    assert [r["status"] for r in api().get("/attendance?status=absent").get_json()] == ["absent"]
    assert api("student", "b").get("/attendance").get_json() == []
    assert api("finance").get("/attendance").status_code == 403
