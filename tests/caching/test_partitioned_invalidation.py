"""Attendance entries are invalidated per classroom: a roster stales its own classroom's sheets
and every school-wide report, not the other classrooms' sheets."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from bson import ObjectId

from educatenext.attendance.repository import AttendanceRepository
from educatenext.caching import dependencies, generations
from educatenext.platform.mongo.repository import TenantScope
from educatenext.platform.mongo.write_events import ANY_PARTITION, touched_partition
from tests import factories
from tests.caching.test_fast_lane import commands_during
from tests.caching.test_response_cache import read_until_hit

pytestmark = pytest.mark.redis

TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture
def app(make_app, redis_server):
    """Its own Redis, so MONITOR sees only this test."""
    return make_app(REDIS_URL=redis_server.url)


@pytest.fixture
def two_rooms(api, world):
    """Classroom A (seeded, with Sam) and a new classroom B with one student."""
    admin = api("admin", "a")
    room_b = admin.post(
        "/classrooms", json={"name": "Grade 6 B", "academicYear": "2025-2026", "capacity": 30}
    ).get_json()
    room_b_id = (room_b.get("classroom") or room_b)["id"]
    student_b = admin.post(
        "/students", json=factories.student("Bea B", classroomId=room_b_id)
    ).get_json()["student"]["id"]
    return {
        "a": str(world["a"]["classroom"]["_id"]),
        "a_student": str(world["a"]["student_record"]["_id"]),
        "b": room_b_id,
        "b_student": student_b,
    }


def sheet(room):
    return f"/analytics/attendance/classrooms/{room}/daily?date={TODAY}"


def roster(admin, room, student, status):
    body = {
        "classroomId": room,
        "date": TODAY,
        "entries": [{"studentId": student, "status": status}],
    }
    response = admin.post("/attendance/roster", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_roster_stales_its_classroom_and_the_school_reports_only(api, two_rooms):
    admin = api("admin", "a")
    completion = f"/analytics/attendance/completion?date={TODAY}"
    assert read_until_hit(admin, sheet(two_rooms["a"]))[1][-1] == "HIT"
    assert read_until_hit(admin, completion)[1][-1] == "HIT"

    roster(admin, two_rooms["b"], two_rooms["b_student"], "present")
    untouched = admin.get(sheet(two_rooms["a"]))
    assert untouched.headers["X-Cache"] == "HIT"  # classroom A's attendance did not change
    school_wide = admin.get(completion)
    assert school_wide.headers["X-Cache"] == "MISS"
    assert two_rooms["b"] not in {row["classroomId"] for row in school_wide.get_json()}

    roster(admin, two_rooms["a"], two_rooms["a_student"], "absent")
    fresh = admin.get(sheet(two_rooms["a"]))
    assert fresh.headers["X-Cache"] == "MISS"
    assert [row["status"] for row in fresh.get_json()] == ["absent"]


def test_a_sheet_hit_is_one_round_trip_for_any_classroom(api, two_rooms, redis_server):
    """The learned partition is a template: each classroom's tokens come in the one trip."""
    admin = api("admin", "a")
    read_until_hit(admin, sheet(two_rooms["a"]))
    assert read_until_hit(admin, sheet(two_rooms["b"]), attempts=1)[1][-1] == "HIT"
    seen, response = commands_during(redis_server, lambda: admin.get(sheet(two_rooms["b"])))
    assert response.headers["X-Cache"] == "HIT"
    assert seen == ["EVALSHA"]


def test_a_write_without_a_known_classroom_stales_every_classroom(app, api, world, two_rooms):
    admin = api("admin", "a")
    roster(admin, two_rooms["a"], two_rooms["a_student"], "present")
    assert read_until_hit(admin, sheet(two_rooms["a"]))[1][-1] == "HIT"
    with app.app_context():  # e.g. a correction by student, across classrooms
        repository = AttendanceRepository(TenantScope.of(world["a"]["institution"]["_id"]))
        repository.collection.update_many(
            repository.scoped({"studentId": ObjectId(two_rooms["a_student"])}),
            {"$set": {"status": "late"}},
        )
        generations.publish_writes()
    fresh = admin.get(sheet(two_rooms["a"]))
    assert fresh.headers["X-Cache"] == "MISS"
    assert [row["status"] for row in fresh.get_json()] == ["late"]


def test_which_partition_a_write_touched():
    room = ObjectId()
    assert touched_partition({"classroomId": room}, {"$set": {"status": "x"}}, "classroomId") == (
        str(room)
    )
    assert touched_partition({"classroomId": room, "x": 1}, None, "classroomId") == str(room)
    # Moving a record, an unpinned filter, a pipeline update or a $in: any classroom.
    moved = {"$set": {"classroomId": ObjectId()}}
    assert touched_partition({"classroomId": room}, moved, "classroomId") == ANY_PARTITION
    assert touched_partition({"studentId": room}, {"$set": {}}, "classroomId") == ANY_PARTITION
    pipeline = [{"$set": {"status": "x"}}]
    assert touched_partition({"classroomId": room}, pipeline, "classroomId") == ANY_PARTITION
    spread = {"classroomId": {"$in": [room]}}
    assert touched_partition(spread, None, "classroomId") == ANY_PARTITION
    replacement = {"classroomId": room, "status": "x"}
    assert touched_partition({"_id": room}, replacement, "classroomId") == ANY_PARTITION


def test_partition_keys_include_unknown_partition_writes_and_the_platform():
    keys = generations.generation_keys("i1", ["attendance@r1", "students"])
    assert keys == [
        "gen:i1:attendance@r1",
        "gen:i1:attendance@*",
        "gen:*:attendance",
        "gen:i1:students",
        "gen:*:students",
    ]


def test_partitions_are_learned_as_the_request_argument_that_names_them():
    room = ObjectId()
    req = SimpleNamespace(view_args={"classroom_id": str(room).upper()}, args={"date": "x"})
    read = {f"attendance@{room}", "students", f"grades@{ObjectId()}"}
    learned = dependencies.generalise(read, req)
    # A partition no argument names is learned as the whole collection (conservative).
    assert learned == {"attendance@view:classroom_id", "students", "grades"}
    other = ObjectId()
    again = SimpleNamespace(view_args={"classroom_id": str(other)}, args={})
    assert dependencies.resolve(learned, again) == (
        "attendance@" + str(other),
        "grades",
        "students",
    )
    malformed = SimpleNamespace(view_args={"classroom_id": "nope"}, args={})
    assert dependencies.resolve(learned, malformed) == ("attendance", "grades", "students")
    by_query = SimpleNamespace(view_args={}, args={"classroomId": str(room)})
    assert dependencies.generalise({f"attendance@{room}"}, by_query) == {
        "attendance@arg:classroomId"
    }


def test_a_whole_collection_covers_its_partitions():
    assert dependencies.covered({"attendance@r1", "students"}, ("attendance", "students"))
    assert dependencies.covered({"attendance@r1"}, ("attendance@r1",))
    assert not dependencies.covered({"attendance@r2"}, ("attendance@r1",))
    assert not dependencies.covered({"attendance"}, ("attendance@r1",))


def test_every_write_names_the_classrooms_it_touched(app):
    """Each write method reports its partitions (or any) to the generations of the request."""
    from pymongo import DeleteOne, InsertOne, ReplaceOne, UpdateOne

    from educatenext.extensions import mongo
    from educatenext.platform import request_state
    from educatenext.platform.mongo.scoped_collection import ScopedCollection

    school, room, other = ObjectId(), ObjectId(), ObjectId()
    mine_only = {"institutionId": school}
    pinned = {"classroomId": room, **mine_only}

    def dirty_after(write):
        stale = request_state.current().stale_generations
        stale.clear()
        scope = TenantScope.of(school)
        write(ScopedCollection(mongo.db.partition_probe, scope, "institutionId", "classroomId"))
        return {key.rsplit(":", 1)[1] for key in stale}

    whole, mine, anywhere = "partition_probe", f"partition_probe@{room}", "partition_probe@*"
    with app.app_context():
        assert dirty_after(lambda c: c.insert_one({**pinned, "n": 1})) == {whole, mine}
        assert dirty_after(
            lambda c: c.insert_many([{**pinned, "n": 2}, {**mine_only, "n": 3}])
        ) == {whole, mine, anywhere}
        assert dirty_after(lambda c: c.update_one(pinned, {"$set": {"n": 4}})) == {whole, mine}
        assert dirty_after(lambda c: c.update_many({**mine_only, "n": 4}, {"$set": {"n": 5}})) == {
            whole,
            anywhere,
        }
        assert dirty_after(
            lambda c: c.find_one_and_update(pinned, {"$set": {"classroomId": other}})
        ) == {whole, anywhere}  # it moves the record
        assert dirty_after(
            lambda c: c.bulk_write(
                [
                    UpdateOne(pinned, {"$set": {"n": 7}}),
                    InsertOne({"classroomId": other, **mine_only}),
                    DeleteOne({"classroomId": other, **mine_only}),
                    ReplaceOne({**mine_only, "n": 7}, {**pinned, "n": 8}),
                ]
            )
        ) == {whole, mine, f"partition_probe@{other}", anywhere}
        assert dirty_after(lambda c: c.delete_one(pinned)) == {whole, mine}
