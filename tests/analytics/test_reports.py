"""Report pipelines: hand-computed results on the real server, and each served by an index."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bson import ObjectId

from educatenext.analytics import repository as pipelines
from educatenext.attendance.repository import AttendanceDayRepository
from educatenext.extensions import cache, mongo
from educatenext.grades.repository import GradeRepository
from educatenext.platform.mongo.migrations import discover
from educatenext.platform.mongo.repository import TenantScope
from tests import factories

DAY = datetime(2025, 10, 6, tzinfo=UTC)
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def run_migration(db, migration_id):
    """Apply one migration's up() again (they are idempotent)."""
    (migration,) = [m for m in discover(MIGRATIONS) if m.id == migration_id]
    migration.module.up(db)


def roll_back_migration(db, migration_id):
    """Run one migration's down()."""
    (migration,) = [m for m in discover(MIGRATIONS) if m.id == migration_id]
    migration.module.down(db)


def build_attendance_days(db):
    """What migration 0012 does: each day's summary from the records stored (raw inserts)."""
    run_migration(db, "0012_attendance_days")


@pytest.fixture
def term(api, world, app):
    """Three students in the classroom; five days of attendance; two grades."""
    room = world["a"]["classroom"]["_id"]
    sam = world["a"]["student_record"]["_id"]
    ids = [sam] + [
        ObjectId(
            api()
            .post("/students", json=factories.student(name, classroomId=str(room)))
            .get_json()["student"]["id"]
        )
        for name in ("Ava", "Ben")
    ]
    pattern = {  # five school days each
        sam: ["present", "present", "late", "present", "present"],  # 100 %
        ids[1]: ["present", "absent", "absent", "present", "excused"],  # 40 %
        ids[2]: ["present", "present", "present", "absent", "late"],  # 80 %
    }
    institution = world["a"]["institution"]["_id"]
    with app.app_context():
        mongo.db.enrollments.update_many({}, {"$set": {"startDate": DAY - timedelta(days=30)}})
        mongo.db.attendance.insert_many(
            [
                {
                    "institutionId": institution,
                    "studentId": student,
                    "classroomId": room,
                    "date": DAY + timedelta(days=n),
                    "status": status,
                }
                for student, statuses in pattern.items()
                for n, status in enumerate(statuses)
            ]
        )
        build_attendance_days(mongo.db)
    return {"room": str(room), "sam": str(sam), "ava": str(ids[1]), "ben": str(ids[2])}


def test_student_summary(api, term):
    query = "startDate=2025-10-06&endDate=2025-10-10"
    body = api("parent").get(f"/analytics/attendance/students/{term['sam']}?{query}").get_json()
    assert (body["present"], body["late"], body["total"], body["rate"]) == (4, 1, 5, 100.0)
    ava = (
        api()
        .get(
            f"/analytics/attendance/students/{term['ava']}?startDate=2025-10-07&endDate=2025-10-08"
        )
        .get_json()
    )
    assert (ava["absent"], ava["total"], ava["rate"]) == (2, 2, 0.0)
    assert (
        api("parent").get(f"/analytics/attendance/students/{term['ava']}?{query}").status_code
        == 404
    )
    backwards = api().get(
        f"/analytics/attendance/students/{term['sam']}?startDate=2025-10-10&endDate=2025-10-06"
    )
    assert backwards.status_code == 400


def test_daily_sheet(api, term):
    sheet = (
        api("teacher")
        .get(f"/analytics/attendance/classrooms/{term['room']}/daily?date=2025-10-07")
        .get_json()
    )
    assert [(row["name"], row["status"]) for row in sheet] == [
        ("Ava", "absent"),
        ("Ben", "present"),
        ("Sam Student", "present"),
    ]
    untaken = (
        api("teacher")
        .get(f"/analytics/attendance/classrooms/{term['room']}/daily?date=2025-10-20")
        .get_json()
    )
    assert {row["status"] for row in untaken} == {None}


def test_a_daily_sheet_names_a_student_who_has_left_the_classroom_since(api, app, term):
    """Names come from the classroom's current students, and by id for any who moved."""
    with app.app_context():
        moved = mongo.db.students.update_one(
            {"_id": ObjectId(term["ben"])}, {"$set": {"classroomId": ObjectId()}}
        )
        assert moved.modified_count == 1
    sheet = (
        api("teacher")
        .get(f"/analytics/attendance/classrooms/{term['room']}/daily?date=2025-10-09")
        .get_json()
    )
    assert [(row["name"], row["status"]) for row in sheet] == [
        ("Ava", "present"),
        ("Ben", "absent"),
        ("Sam Student", "present"),
    ]


def test_chronic_absence(api, term):
    query = f"classroomId={term['room']}&startDate=2025-10-06&endDate=2025-10-10"
    rows = api("teacher").get(f"/analytics/attendance/chronic-absence?{query}").get_json()
    assert [(row["name"], row["rate"]) for row in rows] == [("Ava", 40.0), ("Ben", 80.0)]
    rows = (
        api("teacher").get(f"/analytics/attendance/chronic-absence?{query}&threshold=50").get_json()
    )
    assert [row["name"] for row in rows] == ["Ava"]


def test_completion(api, world, term):
    api().post("/classrooms", json={"name": "Empty", "academicYear": "2025-2026", "capacity": 5})
    taken_day = api().get("/analytics/attendance/completion?date=2025-10-06").get_json()
    assert [row["name"] for row in taken_day] == ["Empty"]
    assert [
        row["name"]
        for row in api().get("/analytics/attendance/completion?date=2025-10-20").get_json()
    ] == [
        "Empty",
        "Grade 5 A",
    ]
    assert api("teacher").get("/analytics/attendance/completion").status_code == 403


def test_completion_reads_the_days_summary_not_its_records(api, term, commands):
    """One summary document per day: the cost does not follow the number of students."""
    commands.clear()
    response = api().get("/analytics/attendance/completion?date=2025-10-07")
    assert [row["name"] for row in response.get_json()] == []
    assert "attendance_days" in commands.collections()
    assert "attendance" not in commands.collections()


@pytest.fixture
def school_day(api, app, world, term):
    """Seven more classrooms; on 2025-10-07 six of them (and Grade 5 A) took attendance."""
    rooms = {
        f"Room {n}": api()
        .post("/classrooms", json={"name": f"Room {n}", "academicYear": "2025-2026", "capacity": 5})
        .get_json()["classroom"]["id"]
        for n in range(1, 8)
    }
    with app.app_context():
        mongo.db.attendance.insert_many(
            [
                {"institutionId": world["a"]["institution"]["_id"], "classroomId": ObjectId(room),
                 "date": DAY + timedelta(days=1), "studentId": ObjectId(), "status": "present"}
                for name, room in rooms.items()
                if name != "Room 7"
            ]
        )  # fmt: skip
        build_attendance_days(mongo.db)
    return rooms


def test_completion_reads_only_the_classrooms_still_missing_attendance(api, school_day, commands):
    """Few missing: its cost follows them, not the number of the school's classrooms."""
    commands.clear()
    rows = api().get("/analytics/attendance/completion?date=2025-10-07").get_json()
    assert [row["name"] for row in rows] == ["Room 7"]
    ((_, query, _),) = commands.finds({"classrooms"})
    assert query["_id"] == {"$in": [ObjectId(school_day["Room 7"])]}
    assert "active_classrooms" in commands.collections()


def test_completion_scans_the_active_classrooms_when_most_are_missing(api, school_day, commands):
    """Nothing taken yet: one scan of the active classrooms beats a seek for each."""
    api().delete(f"/classrooms/{school_day['Room 1']}")
    commands.clear()
    rows = api().get("/analytics/attendance/completion?date=2025-10-20").get_json()
    names = ["Grade 5 A", *(f"Room {n}" for n in range(2, 8))]
    assert [row["name"] for row in rows] == names
    ((_, query, sort),) = commands.finds({"classrooms"})
    assert (query["status"], "_id" in query, sort) == ("active", False, {"nameLower": 1})


def test_completion_never_shows_an_archived_classroom_the_set_still_holds(api, app, school_day):
    """The status check guards against a set left behind (e.g. by a worker of older code)."""
    with app.app_context():  # archived behind the repository's back: still in the set
        mongo.db.classrooms.update_one(
            {"_id": ObjectId(school_day["Room 7"])}, {"$set": {"status": "archived"}}
        )
    assert api().get("/analytics/attendance/completion?date=2025-10-07").get_json() == []
    rows = api().get("/analytics/attendance/completion?date=2025-10-20").get_json()
    assert "Room 7" not in [row["name"] for row in rows]


def completion_names(api, day="2025-10-07"):
    """Names completion lists for the day."""
    rows = api().get(f"/analytics/attendance/completion?date={day}").get_json()
    return [row["name"] for row in rows]


def forget_cached_responses(app):
    """Drop the test app's cached responses, so the next read asks MongoDB."""
    with app.app_context():
        cache.clear()


def test_completion_remembers_its_answer_and_then_reads_neither_set(api, app, school_day, commands):
    assert completion_names(api) == ["Room 7"]
    forget_cached_responses(app)
    commands.clear()
    assert completion_names(api) == ["Room 7"]
    assert "active_classrooms" not in commands.collections()
    ((_, _, day),) = [c for c in commands.sent if c[0] == "find" and c[1] == "attendance_days"]
    assert day["projection"] == {"missing": 1, "_id": 0}  # not the taken set
    ((_, query, _),) = commands.finds({"classrooms"})
    assert query["_id"] == {"$in": [ObjectId(school_day["Room 7"])]}


def test_a_classroom_taking_attendance_leaves_the_remembered_answer(api, app, school_day):
    api().post("/classrooms", json={"name": "Room 8", "academicYear": "2025-2026", "capacity": 5})
    assert completion_names(api) == ["Room 7", "Room 8"]  # remembered for the new version
    room_8 = next(r for r in api().get("/classrooms").get_json() if r["name"] == "Room 8")["id"]
    student = api().post("/students", json=factories.student("Noor", classroomId=room_8))
    with app.app_context():
        mongo.db.enrollments.update_many({}, {"$set": {"startDate": DAY - timedelta(days=30)}})
    entry = {"studentId": student.get_json()["student"]["id"], "status": "present"}
    roster = {"classroomId": room_8, "date": "2025-10-07", "entries": [entry]}
    assert api().post("/attendance/roster", json=roster).status_code == 200
    with app.app_context():
        (summary,) = mongo.db.attendance_days.find({"date": DAY + timedelta(days=1)})
    assert summary["missing"]["ids"] == [ObjectId(school_day["Room 7"])]
    forget_cached_responses(app)
    assert completion_names(api) == ["Room 7"]


def test_any_change_to_the_active_classrooms_forgets_the_remembered_answer(api, school_day):
    assert completion_names(api) == ["Room 7"]
    api().post("/classrooms", json={"name": "Room 9", "academicYear": "2025-2026", "capacity": 5})
    assert completion_names(api) == ["Room 7", "Room 9"]
    api().delete(f"/classrooms/{school_day['Room 7']}")
    assert completion_names(api) == ["Room 9"]


def test_an_answer_is_not_remembered_over_a_taken_set_that_grew_since_it_was_read(
    app, world, school_day
):
    """The write names the taken set's size it was computed from: a classroom taken between
    the read and the write would otherwise stay remembered as missing."""
    day = DAY + timedelta(days=1)
    with app.test_request_context():
        days = AttendanceDayRepository(TenantScope.of(world["a"]["institution"]["_id"]))
        taken = days.classrooms_taken(day)
        days.record_taken(ObjectId(school_day["Room 7"]), day)  # taken meanwhile
        days.remember_missing(day, len(taken), "v1", [ObjectId(school_day["Room 7"])])
        assert days.remembered_missing(day) is None
        days.remember_missing(day, len(taken) + 1, "v1", [])
        assert days.remembered_missing(day) == {"version": "v1", "ids": []}


def test_rolling_back_the_versions_forgets_every_remembered_answer(api, app, world, school_day):
    assert completion_names(api) == ["Room 7"]
    with app.app_context():
        db = mongo.db
        versions = db.active_classroom_versions
        school = {"institutionId": world["a"]["institution"]["_id"]}
        before = versions.find_one(school)["version"]
        roll_back_migration(db, "0013_active_classrooms")  # a rebuild: new versions
        run_migration(db, "0013_active_classrooms")
        assert versions.find_one(school)["version"] != before
        roll_back_migration(db, "0014_completion_versions")
        assert "active_classroom_versions" not in db.list_collection_names()
        assert db.attendance_days.count_documents({"missing": {"$exists": True}}) == 0
        run_migration(db, "0014_completion_versions")
    forget_cached_responses(app)
    assert completion_names(api) == ["Room 7"]


def test_the_migration_builds_each_days_summary_from_the_records(app, world):
    school_a, school_b = (world[s]["institution"]["_id"] for s in ("a", "b"))
    rooms = [ObjectId() for _ in range(3)]
    records = [
        (school_a, rooms[0], DAY),
        (school_a, rooms[0], DAY),  # a second student of the same classroom
        (school_a, rooms[1], DAY),
        (school_a, rooms[1], DAY + timedelta(days=1)),
        (school_b, rooms[2], DAY),
    ]
    expected = {
        (school_a, DAY): [rooms[0], rooms[1]],
        (school_a, DAY + timedelta(days=1)): [rooms[1]],
        (school_b, DAY): [rooms[2]],
    }
    with app.app_context():
        db = mongo.db
        db.attendance.insert_many(
            [
                {"institutionId": i, "classroomId": c, "date": d, "studentId": ObjectId()}
                for i, c, d in records
            ]
        )
        for _ in range(2):  # a second run adds nothing
            build_attendance_days(db)
            built = {
                (d["institutionId"], d["date"].replace(tzinfo=UTC)): sorted(d["classroomIds"])
                for d in db.attendance_days.find()
            }
            assert built == expected


def test_the_migration_builds_each_schools_active_classrooms(app, world):
    school_a, school_b = (world[s]["institution"]["_id"] for s in ("a", "b"))
    with app.app_context():
        db = mongo.db
        expected = {
            school: sorted(
                c["_id"] for c in db.classrooms.find({"institutionId": school, "status": "active"})
            )
            for school in (school_a, school_b)
        }
        archived = ObjectId()
        db.classrooms.insert_one({"_id": archived, "institutionId": school_a, "status": "archived"})
        db.active_classrooms.drop()
        for _ in range(2):  # a second run adds nothing
            run_migration(db, "0013_active_classrooms")
            built = {
                d["institutionId"]: sorted(d["classroomIds"]) for d in db.active_classrooms.find()
            }
            assert built == expected
            assert all(expected.values())


def test_grade_distribution(api, world, term):
    base = {
        "classroomId": term["room"],
        "subjectId": str(world["a"]["subject"]["_id"]),
        "academicYear": "2025-2026",
        "semester": "first",
        "gradeType": "exam",
        "title": "t",
        "maxMarks": 100,
    }
    for student, marks in ((term["sam"], 95), (term["ava"], 91), (term["ben"], 35)):
        api("teacher").post("/grades", json={**base, "studentId": student, "obtainedMarks": marks})
    rows = (
        api("teacher")
        .get(f"/analytics/grades/distribution?classroomId={term['room']}&academicYear=2025-2026")
        .get_json()
    )
    assert rows == [
        {"letterGrade": "A+", "count": 2, "averagePercentage": 93.0},
        {"letterGrade": "D", "count": 1, "averagePercentage": 35.0},
    ]


def plan(db, collection, pipeline):
    """The server's explain of an aggregation, as text."""
    return str(db.command("explain", {"aggregate": collection, "pipeline": pipeline, "cursor": {}}))


def test_every_report_pipeline_starts_with_an_index_scan(app, world, term, monkeypatch):
    """Explain each pipeline exactly as the repositories would send it."""
    from educatenext.platform.mongo.repository import TenantRepository

    explained = []

    def explain_instead(self, pipeline):
        stages = list(pipeline)
        stages[0] = {"$match": self.scoped(stages[0]["$match"])}
        explained.append((self.collection_name, plan(mongo.db, self.collection_name, stages)))
        return []

    monkeypatch.setattr(TenantRepository, "aggregate", explain_instead)
    scope = TenantScope.of(world["a"]["institution"]["_id"])
    room = world["a"]["classroom"]["_id"]
    with app.app_context():
        pipelines.attendance_by_student(scope, room, DAY, DAY + timedelta(days=9), 90)
        pipelines.daily_sheet(scope, room, DAY)
        pipelines.grade_distribution(scope, {"classroomId": room, "academicYear": "2025-2026"})
        pipelines.classrooms_without_attendance(scope, DAY)
        grades = GradeRepository(scope)
        student = world["a"]["student_record"]["_id"]
        for match in (
            {"studentId": student, "academicYear": "2025-2026"},  # GPA, whole year (staff)
            {
                "studentId": student,
                "academicYear": "2025-2026",
                "published": True,
            },  # student/parent
            {
                "studentId": student,
                "academicYear": "2025-2026",
                "semester": "first",
                "published": True,
            },
            {"classroomId": room, "academicYear": "2025-2026", "semester": "first"},  # class rank
        ):
            grades.subject_results(match)
        pipelines.grade_distribution(
            scope, {"classroomId": room, "academicYear": "2025-2026", "subjectId": student}
        )
    # Completion runs no pipeline: it reads the day's summary (the explain tour covers it).
    assert [name for name, _ in explained] == ["attendance", *["grades"] * 6]
    for name, text in explained:
        assert "IXSCAN" in text, (name, text[:500])
    with app.app_context():  # the daily sheet's two reads
        for collection, filter_ in (
            (
                "enrollments",
                {
                    "institutionId": scope.institution_id,
                    "classroomId": room,
                    "startDate": {"$lte": DAY},
                },
            ),
            (
                "attendance",
                {"institutionId": scope.institution_id, "classroomId": room, "date": DAY},
            ),
        ):
            text = str(mongo.db.command("explain", {"find": collection, "filter": filter_}))
            assert "IXSCAN" in text, (collection, text[:500])
