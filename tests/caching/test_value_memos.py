"""A worker's memo of classroom names: it spares a query per page and never outlives a change."""

import time

import pytest

from educatenext.caching import generations, responses
from educatenext.classrooms import service as classroom_service
from educatenext.platform.mongo.repository import TenantScope

pytestmark = pytest.mark.redis


@pytest.fixture
def app(make_app, redis_server, mongo_commands):
    """Responses uncached (every page is built), on a Redis this test may stop."""
    return make_app(
        REDIS_URL=redis_server.url,
        RESPONSE_CACHE_ENABLED=False,
        MONGO_EVENT_LISTENERS=[mongo_commands],
    )


def classroom_names(admin, room):
    """The classroom names a page of the classroom's students shows."""
    response = admin.get(f"/students?classroomId={room}")
    assert response.status_code == 200
    return {student["classroomId"]["name"] for student in response.get_json()}


def classroom_finds(commands):
    return commands.finds({"classrooms"})


def test_a_second_page_names_its_classroom_without_asking_mongodb(api, world, mongo_commands):
    admin, room = api("admin", "a"), world["a"]["classroom"]["_id"]
    mongo_commands.clear()  # enrolling the world's students reads their classroom too
    assert classroom_names(admin, room) == {"Grade 5 A"}
    assert len(classroom_finds(mongo_commands)) == 1
    mongo_commands.clear()
    assert classroom_names(admin, room) == {"Grade 5 A"}
    assert classroom_finds(mongo_commands) == []
    assert "students" in mongo_commands.collections()  # the page itself is read every time


def test_a_rename_through_another_worker_shows_at_once(
    api, app, another_worker, world, mongo_commands
):
    admin, room = api("admin", "a"), world["a"]["classroom"]["_id"]
    assert classroom_names(admin, room) == {"Grade 5 A"}
    other = another_worker().test_client()
    renamed = other.patch(
        f"/api/v1/classrooms/{room}", headers=admin.headers, json={"name": "Grade 5 Blue"}
    )
    assert renamed.status_code == 200
    mongo_commands.clear()
    assert classroom_names(admin, room) == {"Grade 5 Blue"}
    assert len(classroom_finds(mongo_commands)) == 1


def test_names_are_memoised_per_school(api, app, world, mongo_commands):
    """Another school's memo never answers: its classroom id is unknown here."""
    room_a = world["a"]["classroom"]["_id"]
    assert classroom_names(api("admin", "a"), room_a) == {"Grade 5 A"}
    with app.test_request_context():
        scope_b = TenantScope.of(world["b"]["institution"]["_id"])
        assert classroom_service.classroom_names(scope_b, [room_a]) == {}


def test_a_request_that_wrote_classrooms_reads_their_names_from_mongodb(
    api, app, world, mongo_commands
):
    room, school = world["a"]["classroom"]["_id"], world["a"]["institution"]["_id"]
    assert classroom_names(api("admin", "a"), room) == {"Grade 5 A"}
    with app.test_request_context():
        generations.note_write(school, "classrooms")  # its new tokens are not published yet
        mongo_commands.clear()
        assert classroom_service.classroom_names(TenantScope.of(school), [room]) == {
            room: "Grade 5 A"
        }
    assert len(classroom_finds(mongo_commands)) == 1


def test_with_redis_down_names_come_from_mongodb(api, world, redis_server, mongo_commands):
    admin, room = api("admin", "a"), world["a"]["classroom"]["_id"]
    assert classroom_names(admin, room) == {"Grade 5 A"}
    redis_server.stop()
    try:
        mongo_commands.clear()
        assert classroom_names(admin, room) == {"Grade 5 A"}
        assert len(classroom_finds(mongo_commands)) == 1
    finally:
        generations.PENDING.keys.clear()


def test_a_memoised_name_expires_with_the_response_ttl(
    app, another_worker, api, world, mongo_commands
):
    """The backstop for an invalidation another worker could not publish."""
    headers, room = api("admin", "a").headers, world["a"]["classroom"]["_id"]
    client = another_worker(CACHE_RESPONSE_TTL_SECONDS=1).test_client()
    path = f"/api/v1/students?classroomId={room}"
    for _ in range(2):
        assert client.get(path, headers=headers).status_code == 200
    mongo_commands.clear()
    time.sleep(1.1)
    assert client.get(path, headers=headers).status_code == 200
    assert classroom_finds(mongo_commands) != []


def test_a_memo_of_size_zero_is_off(app, another_worker, api, world, mongo_commands):
    headers, room = api("admin", "a").headers, world["a"]["classroom"]["_id"]
    client = another_worker(CACHE_LOCAL_MEMO_MAX_ENTRIES=0).test_client()
    path = f"/api/v1/students?classroomId={room}"
    client.get(path, headers=headers)
    mongo_commands.clear()
    client.get(path, headers=headers)
    assert len(classroom_finds(mongo_commands)) == 1


def test_a_cached_page_named_from_the_memo_still_goes_stale_on_a_rename(
    app, another_worker, api, world, monkeypatch
):
    """The memo counts as a read of classrooms: the cached page depends on them."""
    monkeypatch.setattr(responses, "LEARNED_DEPENDENCIES", {})  # a worker's first requests
    headers, room = api("admin", "a").headers, world["a"]["classroom"]["_id"]
    student = f"/api/v1/students/{world['a']['student_record']['_id']}"
    page = f"/api/v1/students?classroomId={room}"
    cached = another_worker(RESPONSE_CACHE_ENABLED=True).test_client()
    cached.get(student, headers=headers)  # not a cached view; fills the memo
    for _ in range(3):  # built with the memo's name, then served from the cache
        listed = cached.get(page, headers=headers)
    assert listed.headers["X-Cache"] == "HIT"
    renamed = cached.patch(f"/api/v1/classrooms/{room}", headers=headers, json={"name": "Blue"})
    assert renamed.status_code == 200
    listed = cached.get(page, headers=headers)
    assert {row["classroomId"]["name"] for row in listed.get_json()} == {"Blue"}
