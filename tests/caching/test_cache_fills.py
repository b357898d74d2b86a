"""Concurrent misses on one entry: one worker builds it, the others wait and serve it.

Two apps on the same database and Redis stand for two gunicorn workers; a MongoDB command
listener holds one of them inside its build so the other arrives while the fill is under way.
"""

import threading
import time

import pytest
from pymongo import monitoring

from devservers.processes import RedisServer
from educatenext.caching import fills
from educatenext.caching.responses import Entry
from educatenext.extensions import cache
from tests import factories

pytestmark = pytest.mark.redis

SHARED = ("MONGO_DB_NAME", "REDIS_URL", "CACHE_KEY_PREFIX", "RATELIMIT_KEY_PREFIX")


class StudentReads(monitoring.CommandListener):
    """Counts commands on the students collection; can hold the first one after its reply."""

    def __init__(self, hold_seconds=0.0):
        self.count = 0
        self.hold_seconds = hold_seconds
        self.holding = threading.Event()
        self.student_requests = set()

    def started(self, event):
        """Count commands on students."""
        if event.command.get(event.command_name) == "students":
            self.count += 1
            self.student_requests.add(event.request_id)

    def succeeded(self, event):
        """The rows are read: hold the build here once (what it stores is already decided)."""
        held = self.holding.is_set()
        if self.hold_seconds and event.request_id in self.student_requests and not held:
            self.holding.set()
            time.sleep(self.hold_seconds)

    def failed(self, event):
        """Not needed."""


def worker(app, make_app, listener):
    """Another "worker": same database, Redis and prefixes, with its own command listener."""
    shared = {name: app.config[name] for name in SHARED}
    return make_app(migrate=False, MONGO_EVENT_LISTENERS=[listener], **shared).test_client()


def stale_students_entry(admin):
    """Teach the endpoint its dependencies and store an entry, then stale it with a write."""
    for _ in range(2):
        admin.get("/students")
    created = admin.post("/students", json=factories.student("Ann Early", admissionYear=2026))
    assert created.status_code == 201


def in_background(call):
    """Run call in a thread; returns a function that joins and gives its result."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", call()))
    thread.start()

    def join():
        thread.join(10)
        return result["value"]

    return join


def fill_under_way(app, make_app, api):
    """A stale entry being rebuilt by one worker, held mid-build; another worker to read it.

    Returns (admin, the other worker, its command counter, a join for the build's response).
    """
    admin = api("admin", "a")
    stale_students_entry(admin)
    builder_reads, waiter_reads = StudentReads(hold_seconds=0.5), StudentReads()
    builder = worker(app, make_app, builder_reads)
    waiter = worker(app, make_app, waiter_reads)
    built = in_background(lambda: builder.get("/api/v1/students", headers=admin.headers))
    assert builder_reads.holding.wait(5)
    return admin, waiter, waiter_reads, built


def test_a_miss_waits_for_the_fill_under_way_and_serves_it(app, make_app, api):
    admin, waiter, waiter_reads, built = fill_under_way(app, make_app, api)
    waited = waiter.get("/api/v1/students", headers=admin.headers)
    first = built()
    assert first.headers["X-Cache"] == "MISS"
    assert waited.headers["X-Cache"] == "HIT"
    assert waited.get_data() == first.get_data()
    assert waiter_reads.count == 0  # it never asked MongoDB
    assert "Ann Early" in {student["name"] for student in waited.get_json()}


def test_a_waiter_builds_its_own_when_the_fill_predates_a_write_it_saw(app, make_app, api):
    """Read-your-writes: the entry being built was read before the write, so it is not served."""
    admin, waiter, waiter_reads, built = fill_under_way(app, make_app, api)
    created = waiter.post(
        "/api/v1/students",
        headers=admin.headers,
        json=factories.student("Zoe Late", admissionYear=2026),
    )
    assert created.status_code == 201
    reads_before = waiter_reads.count
    after = waiter.get("/api/v1/students", headers=admin.headers)
    old = built()
    assert "Zoe Late" not in {student["name"] for student in old.get_json()}  # the stale build
    assert after.headers["X-Cache"] == "MISS"
    assert "Zoe Late" in {student["name"] for student in after.get_json()}
    assert waiter_reads.count > reads_before


def test_a_miss_with_fills_off_builds_at_once(app, make_app, api):
    admin = api("admin", "a")
    stale_students_entry(admin)
    builder_reads, waiter_reads = StudentReads(hold_seconds=0.5), StudentReads()
    builder = worker(app, make_app, builder_reads)
    shared = {name: app.config[name] for name in SHARED}
    waiter = make_app(
        migrate=False, MONGO_EVENT_LISTENERS=[waiter_reads], CACHE_FILL_WAIT_SECONDS=0, **shared
    ).test_client()
    built = in_background(lambda: builder.get("/api/v1/students", headers=admin.headers))
    assert builder_reads.holding.wait(5)
    alone = waiter.get("/api/v1/students", headers=admin.headers)
    built()
    assert alone.headers["X-Cache"] == "MISS"
    assert waiter_reads.count > 0


def entry(body=b"[]"):
    """A stored response."""
    return Entry((), (), "fingerprint", 200, body, (), time.time() + 60)


def test_one_claim_per_entry_until_its_holder_releases_it(app):
    with app.app_context():
        token = fills.claim("resp:test:one")
        assert token is not None
        assert fills.claim("resp:test:one") is None
        fills.release("resp:test:one", "not-the-holder")  # a lapsed holder cannot end it
        assert fills.claim("resp:test:one") is None
        fills.release("resp:test:one", token)
        assert fills.claim("resp:test:one") is not None


def test_a_wait_ends_with_the_entry_or_as_soon_as_the_fill_ends_without_one(app):
    with app.app_context():
        token = fills.claim("resp:test:stored")
        later = threading.Timer(0.1, lambda: store_and_release(app, "resp:test:stored", token))
        later.start()
        assert fills.await_entry("resp:test:stored", lambda found: True).body == b"[1]"
        # Stored but not usable for this caller (stale tokens, another fingerprint): build.
        assert fills.await_entry("resp:test:stored", lambda found: False) is None

        token = fills.claim("resp:test:abandoned")
        threading.Timer(0.1, lambda: release_in(app, "resp:test:abandoned", token)).start()
        started = time.monotonic()
        assert fills.await_entry("resp:test:abandoned", lambda found: True) is None
        assert time.monotonic() - started < 0.5  # not the whole 1 s wait


def test_a_wait_gives_up_after_its_budget(make_app, redis_url):
    app = make_app(CACHE_FILL_WAIT_SECONDS=0.3)
    with app.app_context():
        assert fills.claim("resp:test:slow") is not None
        started = time.monotonic()
        assert fills.await_entry("resp:test:slow", lambda found: True) is None
        assert 0.2 < time.monotonic() - started < 0.6


def test_redis_failing_means_build_alone(make_app):
    server = RedisServer().start()
    app = make_app(REDIS_URL=server.url)
    server.stop()
    with app.app_context():
        assert fills.claim("resp:test:down") is not None  # nobody to wait for: build
        assert fills.await_entry("resp:test:down", lambda found: True) is None
        fills.release("resp:test:down", "token")  # logged, not raised


def store_and_release(app, key, token):
    with app.app_context():
        cache.set(key, entry(b"[1]"), timeout=60)
        fills.release(key, token)


def release_in(app, key, token):
    with app.app_context():
        fills.release(key, token)
