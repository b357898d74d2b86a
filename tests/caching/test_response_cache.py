"""Response caching: hits, tenant/role-scoped keys, invalidation by writes, Redis failures."""

from datetime import UTC, datetime, timedelta

import pytest

from educatenext.caching import generations
from tests import factories


def read_until_hit(call, path, attempts=3):
    """The first read teaches the endpoint's dependencies, the next stores, then it hits."""
    states = []
    for _ in range(attempts + 1):
        response = call.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        states.append(response.headers["X-Cache"])
        if states[-1] == "HIT":
            return response, states
    return response, states


def names(response):
    return sorted(item["name"] for item in response.get_json())


def test_list_is_served_from_cache_with_the_same_body_and_headers(api):
    admin = api("admin", "a")
    first = admin.get("/students")
    hit, states = read_until_hit(admin, "/students")
    assert states[-1] == "HIT"
    assert hit.get_data() == first.get_data()
    assert hit.headers["X-Total-Count"] == first.headers["X-Total-Count"]
    assert hit.headers["Link"] == first.headers["Link"]
    # Security headers and request ids are added per response, not replayed from the cache.
    assert hit.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert hit.headers["X-Content-Type-Options"] == "nosniff"


def test_a_write_makes_the_next_read_fresh(api):
    admin = api("admin", "a")
    read_until_hit(admin, "/students")
    created = admin.post("/students", json=factories.student("Zed New", admissionYear=2026))
    assert created.status_code == 201
    after = admin.get("/students")
    assert after.headers["X-Cache"] == "MISS"
    assert "Zed New" in names(after)
    # An update through another resource's service (enrollment changes a classroom) too.
    classroom = admin.get("/classrooms").get_json()[0]
    read_until_hit(admin, "/classrooms")
    student = next(s for s in after.get_json() if s["name"] == "Zed New")
    assert (
        admin.post(
            "/enrollments", json={"studentId": student["id"], "classroomId": classroom["id"]}
        ).status_code
        == 201
    )
    refreshed = admin.get("/classrooms").get_json()[0]
    assert refreshed["enrolledCount"] == classroom["enrolledCount"] + 1


def test_tenants_never_share_entries(api):
    a, b = api("admin", "a"), api("admin", "b")
    a.post("/subjects", json={"name": "Only In A", "code": "ONLYA"})
    read_until_hit(a, "/subjects")
    from_b = b.get("/subjects")
    assert from_b.headers["X-Cache"] == "MISS"
    assert "Only In A" not in names(from_b)


def test_row_scoped_roles_get_their_own_entries(api, world):
    admin, teacher = api("admin", "a"), api("teacher", "a")
    admin.post("/students", json=factories.student("Not In Class", admissionYear=2026))
    read_until_hit(admin, "/students")
    mine = teacher.get("/students")
    assert mine.headers["X-Cache"] == "MISS"
    assert names(mine) == ["Sam Student"]
    assert "Not In Class" in names(admin.get("/students"))
    parent = api("parent", "a").get("/students")
    assert names(parent) == ["Sam Student"]


def test_invalid_query_is_rejected_before_the_cache(api):
    admin = api("admin", "a")
    read_until_hit(admin, "/students?limit=5")
    response = admin.get("/students?limit=5&unexpected=1")
    assert response.status_code == 400
    assert "X-Cache" not in response.headers


def test_reports_are_cached_and_invalidated_by_attendance(api, world):
    teacher = api("teacher", "a")
    classroom_id = str(world["a"]["classroom"]["_id"])
    student_id = str(world["a"]["student_record"]["_id"])
    today = datetime.now(UTC).date()
    window = f"startDate={today - timedelta(days=7)}&endDate={today}"
    path = f"/analytics/attendance/students/{student_id}?{window}"
    before, states = read_until_hit(teacher, path)
    assert states[-1] == "HIT"
    roster = {
        "classroomId": classroom_id,
        "date": today.isoformat(),
        "entries": [{"studentId": student_id, "status": "absent"}],
    }
    assert teacher.post("/attendance/roster", json=roster).status_code in (200, 201)
    after = teacher.get(path)
    assert after.headers["X-Cache"] == "MISS"
    assert after.get_json() != before.get_json()


def test_failed_invalidation_never_serves_stale_after_recovery(api, app, monkeypatch):
    """Redis refuses the invalidation but keeps the old entry (a blip): no stale read follows."""
    admin = api("admin", "a")
    read_until_hit(admin, "/subjects")
    real_replace = generations._replace
    failures = iter([True])

    def flaky(backend, keys):
        if next(failures, False):
            import redis

            raise redis.ConnectionError("blip")
        return real_replace(backend, keys)

    monkeypatch.setattr(generations, "_replace", flaky)
    monkeypatch.setattr(generations.PendingInvalidations, "add", _add_without_thread)
    try:
        assert (
            admin.post("/subjects", json={"name": "After Blip", "code": "BLIP"}).status_code == 201
        )
        assert generations.PENDING
        during = admin.get("/subjects")
        assert during.headers["X-Cache"] == "BYPASS"
        assert "After Blip" in names(during)
        assert generations.PENDING.flush()
        after = admin.get("/subjects")
        assert "After Blip" in names(after)
    finally:
        generations.PENDING.keys.clear()


def _add_without_thread(self, backend, keys):
    """Queue only (the test flushes by hand, deterministically)."""
    self.keys.update(keys)
    self.backend = backend


def test_a_changed_row_scope_is_not_served_the_old_entry(api, world, app):
    from educatenext.auth.identity import Identity
    from educatenext.caching.responses import fingerprint

    base = {"user_id": 1, "institution_id": 2, "role": "teacher"}
    base.update(name="", email="", session_id=3)
    one = Identity(**base, classroom_ids=("c1",))
    two = Identity(**base, classroom_ids=("c1", "c2"))
    assert fingerprint(one) != fingerprint(two)


@pytest.mark.parametrize("role", ["student", "parent", "teacher"])
def test_per_user_roles_are_cached_too(api, world, role):
    caller = api(role, "a")
    student_id = str(world["a"]["student_record"]["_id"])
    _, states = read_until_hit(caller, f"/grades/student/{student_id}")
    assert states[-1] == "HIT"


def test_entry_keys_follow_the_day_host_path_and_normalised_query(app, monkeypatch):
    from educatenext.caching import responses

    def key(url, host="school.test"):
        with app.test_request_context(url, base_url=f"http://{host}"):
            from flask import request

            return responses._entry_key("students", "scope", request)

    first = key("/api/v1/students?limit=5&page=2")
    assert key("/api/v1/students?limit=5&page=2") == first  # remembered
    assert key("/api/v1/students?page=2&limit=5") == first  # the same parameters
    assert key("/api/v1/students?page=3&limit=5") != first
    assert key("/api/v1/students?limit=5&page=2", host="other.test") != first
    assert key("/api/v1/subjects?limit=5&page=2") != first
    tomorrow = responses.today() + timedelta(days=1)
    monkeypatch.setattr(responses, "today", lambda: tomorrow)
    next_day = key("/api/v1/students?limit=5&page=2")
    assert next_day != first
    responses.TARGET_DIGESTS.clear()
    assert key("/api/v1/students?limit=5&page=2") == next_day  # computed afresh: the same
