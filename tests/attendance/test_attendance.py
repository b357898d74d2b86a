"""Attendance: one record per student/classroom/day, roster entry, rules, row-level lists."""

from datetime import UTC, datetime, timedelta
from unittest import mock

from bson import ObjectId
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from educatenext.attendance.repository import AttendanceDayRepository
from educatenext.extensions import mongo
from educatenext.platform.mongo.repository import TenantScope
from tests import factories

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


def days_summary(app):
    """{day: classroom ids} of attendance_days, as completion reads it."""
    with app.app_context():
        days = mongo.db.attendance_days.find()
        return {d["date"].date().isoformat(): d["classroomIds"] for d in days}


def test_every_write_keeps_the_days_summary(api, world, app):
    backdate_enrollment(app, world)
    room = world["a"]["classroom"]["_id"]
    earlier = (TODAY - timedelta(days=2)).isoformat()
    assert mark(api, world).status_code == 201
    assert mark(api, world, status="late").status_code == 200
    entries = [{"studentId": str(world["a"]["student_record"]["_id"]), "status": "absent"}]
    for status in ("absent", "present"):  # a second roster of the day adds no second id
        entries[0]["status"] = status
        roster = {"classroomId": str(room), "date": earlier, "entries": entries}
        assert api("teacher").post("/attendance/roster", json=roster).status_code == 200
    assert days_summary(app) == {YESTERDAY: [room], earlier: [room]}


def test_a_roster_of_no_one_enrolled_takes_nothing(api, world, app):
    backdate_enrollment(app, world)
    stranger = (api().post("/students", json=factories.student("Stranger")).get_json())["student"][
        "id"
    ]
    roster = {"classroomId": str(world["a"]["classroom"]["_id"]), "date": YESTERDAY,
              "entries": [{"studentId": stranger, "status": "present"}]}  # fmt: skip
    assert api("teacher").post("/attendance/roster", json=roster).get_json()["failed"] == 1
    assert days_summary(app) == {}


def test_losing_the_race_to_create_the_days_summary_still_records(app, world, monkeypatch):
    """Two first writes of a day both upsert: the loser's insert fails, its update lands."""
    school = world["a"]["institution"]["_id"]
    day = datetime(2025, 10, 6, tzinfo=UTC)
    theirs, ours = world["a"]["classroom"]["_id"], ObjectId()
    real_update_one = Collection.update_one

    def raced(self, filter_, update, upsert=False, **kwargs):
        if self.name == "attendance_days" and upsert:
            real_update_one(self, filter_, {"$addToSet": {"classroomIds": theirs}}, upsert=True)
            raise DuplicateKeyError("E11000 duplicate key error")
        return real_update_one(self, filter_, update, upsert=upsert, **kwargs)

    monkeypatch.setattr(Collection, "update_one", raced)
    with app.app_context():
        AttendanceDayRepository(TenantScope.of(school)).record_taken(ours, day)
    assert days_summary(app) == {"2025-10-06": [theirs, ours]}


def test_a_roster_inserts_new_records_and_upserts_those_another_request_created(
    api, world, app, commands
):
    """New records go in as inserts (no lookup each); one inserted meanwhile is overwritten."""
    room = str(world["a"]["classroom"]["_id"])
    other = api().post("/students", json=factories.student("R1", classroomId=room))
    backdate_enrollment(app, world)
    pupils = [world["a"]["student_record"]["_id"], ObjectId(other.get_json()["student"]["id"])]
    entries = [{"studentId": str(pupil), "status": "absent"} for pupil in pupils]
    day = datetime.fromisoformat(YESTERDAY).replace(tzinfo=UTC)
    real_bulk_write = Collection.bulk_write

    def raced(self, requests, *args, **kwargs):
        """Another teacher's roster marks the first pupil present just before ours lands."""
        if self.name == "attendance" and not self.find_one({"studentId": pupils[0]}):
            self.insert_one({"institutionId": world["a"]["institution"]["_id"], "date": day,
                             "studentId": pupils[0], "classroomId": ObjectId(room),
                             "status": "present", "method": "bulk"})  # fmt: skip
        return real_bulk_write(self, requests, *args, **kwargs)

    commands.clear()
    with mock.patch.object(Collection, "bulk_write", raced):
        response = api("teacher").post(
            "/attendance/roster", json={"classroomId": room, "date": YESTERDAY, "entries": entries}
        )
    assert response.status_code == 200
    assert response.get_json()["created"] == 2
    sent = [(name, len(c.get("documents", c.get("updates", []))))
            for name, coll, c in commands.sent
            if coll == "attendance" and name != "find"]  # fmt: skip
    # the other request's insert; ours of both (one fails on the unique key); that one again
    assert sent == [("insert", 1), ("insert", 2), ("update", 1)]
    with app.app_context():
        records = {r["studentId"]: r["status"] for r in mongo.db.attendance.find()}
        inserted, again = mongo.db.audit_events.find({"resourceType": "attendance"}).sort("at")
    assert records == {pupils[0]: "absent", pupils[1]: "absent"}  # ours landed last, one each
    fields = ["classroomId", "date", "markedBy", "method", "status", "studentId"]
    assert (inserted["fields"], len(inserted["resourceIds"])) == (fields, 1)  # what went in
    assert (again["fields"], again["resourceIds"]) == (["markedBy", "method", "status"], [])
    assert days_summary(app) == {YESTERDAY: [ObjectId(room)]}


def test_a_mark_that_loses_the_race_to_create_updates_the_winners_record(api, world, app, commands):
    """Two first marks of a student's day: the second's insert fails and updates the first."""
    backdate_enrollment(app, world)
    real_insert_one = Collection.insert_one

    def raced(self, document, *args, **kwargs):
        if self.name == "attendance":
            theirs = {key: value for key, value in document.items() if key != "_id"}
            real_insert_one(self, {**theirs, "status": "absent"})
        return real_insert_one(self, document, *args, **kwargs)

    commands.clear()
    with mock.patch.object(Collection, "insert_one", raced):
        response = mark(api, world, status="late")
    assert response.status_code == 200  # not created: the other request's record was updated
    assert response.get_json()["attendance"]["status"] == "late"
    with app.app_context():
        (record,) = mongo.db.attendance.find()
    assert (record["status"], record["method"]) == ("late", "manual")
    writes = [name for name, coll, _ in commands.sent if coll == "attendance" and name != "find"]
    assert writes == ["insert", "insert", "update"]  # theirs, ours (refused), ours as an update


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
        api().post("/students", json=factories.student("Stranger")).get_json()["student"]["id"]
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


def test_a_roster_has_the_bulk_budget_and_a_single_mark_the_operations(api, world, app, commands):
    """Many writes in one command get MONGO_BULK_TIMEOUT_MS; one mark keeps one operation's."""
    backdate_enrollment(app, world)
    app.config["MONGO_BULK_TIMEOUT_MS"] = 20000
    operation_budget = app.config["MONGO_OPERATION_TIMEOUT_MS"]
    entries = [{"studentId": str(world["a"]["student_record"]["_id"]), "status": "absent"}]
    roster = {"classroomId": str(world["a"]["classroom"]["_id"]), "date": YESTERDAY,
              "entries": entries}  # fmt: skip
    commands.clear()
    assert api("teacher").post("/attendance/roster", json=roster).status_code == 200
    (bulk,) = [c for name, coll, c in commands.sent if name == "insert" and coll == "attendance"]
    assert operation_budget < bulk["maxTimeMS"] <= 20000
    entries[0]["status"] = "present"  # now a change of an existing record: an update
    commands.clear()
    assert api("teacher").post("/attendance/roster", json=roster).status_code == 200
    (bulk,) = [c for name, coll, c in commands.sent if name == "update" and coll == "attendance"]
    assert operation_budget < bulk["maxTimeMS"] <= 20000
    commands.clear()
    assert mark(api, world, status="late").status_code in (200, 201)
    (single,) = [c for name, coll, c in commands.sent if name == "update" and coll == "attendance"]
    assert single["maxTimeMS"] <= operation_budget
