"""A cached, authenticated, rate-limited read costs one Redis round trip and no MongoDB.

The cache fast lane (educatenext.caching.fastlane) counts the read limit and reads the auth
context and the entry in one script; these tests pin that it limits, authenticates and
authorises exactly like the normal path.
"""

import threading
import time
from datetime import date, datetime

import jwt
import pytest
import redis

from tests import factories

pytestmark = pytest.mark.redis


@pytest.fixture
def app(make_app, redis_server, mongo_commands):
    """Its own Redis, so MONITOR sees only this test."""
    return make_app(REDIS_URL=redis_server.url, MONGO_EVENT_LISTENERS=[mongo_commands])


def commands_during(redis_server, action, whole=False):
    """Commands clients sent to Redis while action ran (not those run inside scripts).

    Their names, or with whole=True the commands with their arguments.
    """
    seen = []
    ready = threading.Event()
    marker = redis.Redis.from_url(redis_server.url)
    marker.ping()  # connect now, so its handshake is not counted

    def listen():
        with redis.Redis.from_url(redis_server.url).monitor() as monitor:
            ready.set()
            for command in monitor.listen():
                if "END-OF-TEST" in command["command"]:
                    return
                if command.get("client_type") != "lua":
                    text = command["command"]
                    seen.append(text if whole else text.split()[0].upper())

    thread = threading.Thread(target=listen)
    thread.start()
    ready.wait(5)
    time.sleep(0.2)
    result = action()
    marker.get("END-OF-TEST")
    thread.join(5)
    return seen, result


def test_a_cached_read_is_one_round_trip(api, redis_server, mongo_commands):
    admin = api("admin", "a")
    for _ in range(3):
        admin.get("/students")
    before = len(mongo_commands.sent)
    seen, response = commands_during(redis_server, lambda: admin.get("/students"))
    assert response.headers["X-Cache"] == "HIT"
    assert response.headers["X-RateLimit-Remaining"]
    assert seen == ["EVALSHA"]  # limit counter + auth context + entry + generations
    assert len(mongo_commands.sent) == before


def test_a_worker_that_never_missed_still_hits_in_one_round_trip(app, api, redis_server):
    """Another worker stored the entry: this one learns what it depends on from its hits."""
    from educatenext.caching import response_copies, responses

    admin = api("admin", "a")
    _warm(admin)  # the misses that stored the entry (in "another worker")
    responses.LEARNED_DEPENDENCIES.clear()  # this process has never seen them
    response_copies.init_app(app)  # nor holds a copy of the entry
    assert admin.get("/students").headers["X-Cache"] == "HIT"
    seen, response = commands_during(redis_server, lambda: admin.get("/students"))
    assert response.headers["X-Cache"] == "HIT"
    assert seen == ["EVALSHA"]  # no MGET of the generation tokens afterwards


def test_a_hit_from_a_local_copy_leaves_the_body_in_redis(app, api, another_worker, redis_server):
    """The trip reads the tokens, not the entry; a worker without copies reads the entry."""
    admin = api("admin", "a")
    _warm(admin)
    seen, response = commands_during(redis_server, lambda: admin.get("/students"), whole=True)
    assert response.headers["X-Cache"] == "HIT"
    assert len(seen) == 1
    assert seen[0].startswith("EVALSHA")
    assert ":resp:" not in seen[0]
    without = another_worker(CACHE_LOCAL_COPIES_MAX_BYTES=0).test_client()
    for _ in range(2):  # its connections, and its fast lane learns the limit
        without.get("/api/v1/students", headers=admin.headers)
    seen, other = commands_during(
        redis_server, lambda: without.get("/api/v1/students", headers=admin.headers), whole=True
    )
    assert len(seen) == 1
    assert other.headers["X-Cache"] == "HIT"
    assert other.get_data() == response.get_data()
    assert ":resp:" in seen[0]


def test_a_write_through_another_worker_stales_the_local_copy(app, api, another_worker):
    admin = api("admin", "a")
    _warm(admin)
    other = another_worker().test_client()
    created = other.post(
        "/api/v1/students",
        headers=admin.headers,
        json=factories.student("Elsewhere", admissionYear=2026),
    )
    assert created.status_code == 201
    after = admin.get("/students")
    assert after.headers["X-Cache"] == "MISS"
    assert "Elsewhere" in {student["name"] for student in after.get_json()}


def test_a_local_copy_is_not_served_after_redis_drops_the_entry(app, api, another_worker):
    """The copy lives no longer than the entry's TTL (the backstop after a lost invalidation)."""
    headers = api("admin", "a").headers
    client = another_worker(CACHE_RESPONSE_TTL_SECONDS=1).test_client()
    states = [client.get("/api/v1/subjects", headers=headers).headers["X-Cache"] for _ in range(4)]
    assert states[-1] == "HIT"
    time.sleep(1.2)
    assert client.get("/api/v1/subjects", headers=headers).headers["X-Cache"] == "MISS"


def test_a_miss_after_the_fast_lane_reads_nothing_twice(api, redis_server):
    admin = api("admin", "a")
    admin.get("/students")
    admin.get("/students")  # the endpoint's limit is known now
    admin.post("/subjects", json={"name": "Art", "code": "ART"})  # nothing to do with students
    admin.post("/students", json=factories.student("Ada"))
    seen, response = commands_during(redis_server, lambda: admin.get("/students"))
    assert response.headers["X-Cache"] == "MISS"
    assert seen.count("EVALSHA") == 1  # counted once, by the fast lane
    assert "MGET" not in seen  # the fast lane's read served authentication and the lookup


def _warm(caller, path="/students"):
    """Store the entry and teach the fast lane the endpoint's limit."""
    for _ in range(3):
        assert caller.get(path).headers["X-Cache"] in ("MISS", "HIT")
    assert caller.get(path).headers["X-Cache"] == "HIT"


def test_a_hit_from_the_fast_lane_looks_like_one_from_the_normal_path(api, monkeypatch):
    """Same headers (security, CORS, rate limit, cache state), same body; only ids differ."""
    from educatenext.caching import fastlane

    admin = api("admin", "a")
    _warm(admin)
    origin = {"Origin": "http://localhost:3000"}  # allowed: the CORS headers must match too
    fast = admin.get("/students", headers=origin)
    monkeypatch.setattr(fastlane, "serve", lambda app, environ: None)
    normal = admin.get("/students", headers=origin)
    assert fast.headers["X-Cache"] == normal.headers["X-Cache"] == "HIT"
    assert fast.get_data() == normal.get_data()
    varying = {"X-Request-ID", "X-RateLimit-Remaining", "X-RateLimit-Reset",
               "X-RateLimit-Retry-After"}  # fmt: skip
    assert sorted(fast.headers.keys()) == sorted(normal.headers.keys())
    assert [(k, v) for k, v in fast.headers if k not in varying] == [
        (k, v) for k, v in normal.headers if k not in varying
    ]
    assert (
        int(fast.headers["X-RateLimit-Remaining"])
        == int(normal.headers["X-RateLimit-Remaining"]) + 1
    )
    resets = int(fast.headers["X-RateLimit-Reset"]), int(normal.headers["X-RateLimit-Reset"])
    assert abs(resets[0] - resets[1]) <= 1


def test_a_revoked_session_is_refused_even_with_a_cached_entry(api):
    admin = api("admin", "a")
    _warm(admin)
    assert admin.post("/auth/logout").status_code == 200
    refused = admin.get("/students")
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "UNAUTHORIZED"


def test_a_forged_token_never_reaches_a_cached_entry(api, client):
    admin = api("admin", "a")
    _warm(admin)
    token = admin.headers["Authorization"].split()[1]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.get("/api/v1/students", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_a_role_that_may_not_read_gets_403_not_the_entry(api):
    completion = f"/analytics/attendance/completion?date={date.today().isoformat()}"
    _warm(api("admin", "a"), completion)
    teacher = api("teacher", "a")
    for _ in range(2):
        assert teacher.get(completion).status_code == 403


def test_only_limits_keyed_by_the_caller_are_replayed(app):
    from flask_limiter import RequestLimit
    from limits import parse

    from educatenext.caching.fastlane import _plan_for
    from educatenext.extensions import limiter

    item = parse("5 per minute")
    with app.test_request_context():
        by_user = RequestLimit(limiter, item, ["en:rl", "user:abc", "scope"], False, False)
        plan = _plan_for(by_user, "user:abc")
        assert plan.args_for("user:xyz") == ["en:rl", "user:xyz", "scope"]
        by_address = RequestLimit(limiter, item, ["en:rl", "ip:10.0.0.1", "scope"], False, False)
        assert _plan_for(by_address, "user:abc") is None
        breached = RequestLimit(limiter, item, ["en:rl", "user:abc", "scope"], True, False)
        assert _plan_for(breached, "user:abc") is None


def test_the_fast_lane_names_retry_after_as_flask_limiter_is_configured(app, monkeypatch):
    from werkzeug.http import parse_date

    from educatenext.caching.fastlane import rate_limit_headers
    from educatenext.extensions import limiter
    from educatenext.platform import library_internals

    with app.test_request_context():
        window_end = time.time() + 60
        headers = dict(rate_limit_headers(5, 1, window_end))
        assert headers["X-RateLimit-Limit"] == "5"
        assert headers["X-RateLimit-Remaining"] == "4"
        assert 0 <= int(headers["X-RateLimit-Retry-After"]) <= 61  # seconds by default
        names, _ = library_internals.header_settings(limiter)
        monkeypatch.setattr(library_internals, "header_settings", lambda _: (names, True))
        retry_after = dict(rate_limit_headers(5, 1, window_end))["X-RateLimit-Retry-After"]
        assert parse_date(retry_after) is not None


def test_the_fast_lane_knows_every_hook_of_the_app(app):
    from educatenext.caching import fastlane

    assert fastlane.hooks_known(app)


def test_a_hook_the_fast_lane_does_not_know_turns_it_off(app, api):
    """A new before_request hook (say, a maintenance switch) must run on hits too."""
    from flask import request

    seen = []
    app.before_request(lambda: seen.append(request.path))  # before the first request, as Flask asks
    admin = api("admin", "a")
    _warm(admin)
    seen.clear()
    response = admin.get("/students")
    assert response.headers["X-Cache"] == "HIT"  # served by the normal path's cache lookup
    assert seen == ["/api/v1/students"]


def test_a_fault_in_the_fast_lane_costs_the_request_nothing(api, monkeypatch, caplog):
    from educatenext.caching import fastlane

    admin = api("admin", "a")
    _warm(admin)

    def broken(plan, environ):
        raise RuntimeError("bug")

    monkeypatch.setattr(fastlane, "serve_hit", broken)
    response = admin.get("/students")
    assert response.status_code == 200
    assert response.headers["X-Cache"] == "HIT"
    assert "cache fast lane failed" in caplog.text


def test_a_redis_that_lost_its_scripts_still_serves_hits(api, redis_server):
    """After a restart or SCRIPT FLUSH, the trip loads the script again and carries on."""
    admin = api("admin", "a")
    _warm(admin)
    redis.Redis.from_url(redis_server.url).script_flush()
    seen, response = commands_during(redis_server, lambda: admin.get("/students"))
    assert response.headers["X-Cache"] == "HIT"
    assert "SCRIPT" in seen  # loaded again by the fast lane...
    assert not {"MGET", "GET"} & set(seen)  # ...which then served the hit itself
    seen, response = commands_during(redis_server, lambda: admin.get("/students"))
    assert (response.headers["X-Cache"], seen) == ("HIT", ["EVALSHA"])


def test_a_connection_that_fails_mid_trip_is_dropped_not_reused(app, api, monkeypatch):
    """A reply left half read would answer the next command: the connection is closed."""
    from educatenext.extensions import limiter
    from educatenext.platform import library_internals
    from educatenext.platform.redis.breaker import Breaker

    admin = api("admin", "a")
    _warm(admin)
    from educatenext.platform.redis.limiter_storage import lane_connection

    pool = limiter.storage.lua_incr_with_ttl_and_read.registered_client.connection_pool
    connection = lane_connection(pool)
    monkeypatch.setattr(
        type(connection), "read_response",
        lambda self, *a, **k: (_ for _ in ()).throw(redis.TimeoutError("stalled")),
    )  # fmt: skip
    try:
        response = admin.get("/students")
    finally:
        monkeypatch.undo()
        Breaker.reset()
        library_internals.revive_storage(limiter)
        limiter.storage.failed_at = 0.0
    assert response.status_code == 200  # the normal path answered, Redis counted as failing
    assert connection._sock is None  # closed, so the next user connects afresh
    assert admin.get("/students").status_code == 200


def _plans(app):
    """The fast lane's remembered plans of this app."""
    return app.extensions["cache_fast_lane_hit_plans"]


def test_a_repeated_read_reuses_its_plan_and_a_new_origin_gets_its_own(app, api, monkeypatch):
    from educatenext.caching import fastlane

    admin = api("admin", "a")
    _warm(admin)
    made = []
    original = fastlane.make_plan
    monkeypatch.setattr(fastlane, "make_plan", lambda *a: made.append(1) or original(*a))
    for _ in range(3):
        assert admin.get("/students").headers["X-Cache"] == "HIT"
    assert made == []  # the token verified, the route matched and the keys built once
    other = admin.get("/students", headers={"Origin": "http://localhost:3000"})
    assert other.headers["X-Cache"] == "HIT"
    assert other.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert made == [1]


def test_an_expired_token_is_refused_though_its_plan_was_made_while_valid(app, api, monkeypatch):
    admin = api("admin", "a")
    _warm(admin)
    assert _plans(app)
    later = time.time() + app.config["ACCESS_TOKEN_TTL_SECONDS"] + 60

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(later, tz)

    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)  # PyJWT's own clock
    refused = admin.get("/students")
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "UNAUTHORIZED"


def test_a_plan_lasts_no_longer_than_the_day_its_entry_key_names(app, api, monkeypatch):
    """Entry keys name the day (reports default to today): a plan is remade at midnight."""
    from datetime import UTC, timedelta

    from educatenext.caching import fastlane

    admin = api("admin", "a")
    _warm(admin)
    _plans(app).clear()
    soon = datetime.now(UTC) + timedelta(seconds=30)  # a "day" that ends before the token
    day = datetime(soon.year, soon.month, soon.day, tzinfo=UTC) - timedelta(days=1)
    monkeypatch.setattr(fastlane, "today", lambda: day)
    admin.get("/students")
    (plan,) = _plans(app).values()
    assert plan.valid_until == (day + timedelta(days=1)).timestamp()


def test_a_caller_whose_role_changed_is_not_served_the_old_roles_entry(app, api, db, world):
    """The plan was made from the token's role; the cached context names the caller's role now
    (the entry's fingerprint and the scope both tell them apart)."""
    from educatenext.auth import identity as auth_identity

    admin = api("admin", "a")
    _warm(admin)
    entry = admin.get("/students")
    assert entry.headers["X-Cache"] == "HIT"
    assert entry.get_json()
    user_id = world["a"]["admin"]["_id"]
    db.users.update_one({"_id": user_id}, {"$set": {"role": "teacher", "classroomIds": []}})
    with app.app_context():
        auth_identity.forget_user(user_id)  # as the users service does after any change
    demoted = admin.get("/students")
    assert demoted.get_data() != entry.get_data()
    assert demoted.headers.get("X-Cache") != "HIT" or demoted.get_json() == []
