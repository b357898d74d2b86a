"""Fixtures: real servers per session (secantusdb, redis-server), a fresh database per test."""

import os
import uuid

import pytest

from devservers.processes import MongoServer, RedisServer, redis_server_binary
from educatenext import create_app
from educatenext.caching import generations
from educatenext.config import TestingConfig
from educatenext.extensions import limiter, mongo
from educatenext.platform.mongo.migrations import apply_pending
from educatenext.platform.redis.breaker import Breaker
from tests import factories
from tests.commands import CommandLog
from tests.factories import PASSWORD, ROLES_IN_SCHOOL


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory):
    """MONGO_URI when given (run the suite against a real mongod), else a secantusdb daemon."""
    if os.environ.get("MONGO_URI"):
        yield os.environ["MONGO_URI"]
        return
    server = MongoServer(tmp_path_factory.mktemp("mongo")).start(timeout=60)
    yield server.uri
    server.stop()


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL when given, else a redis-server of our own on a free port."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    if not redis_server_binary():
        pytest.fail("redis-server is not installed; install it or set REDIS_URL")
    server = RedisServer().start()
    yield server.url
    server.stop()


@pytest.fixture(autouse=True)
def redis_breaker_closed():
    """A Redis outage in one test must not make the next one fail fast.

    Nor may its pending invalidations: their retry thread would keep calling that test's
    stopped Redis, tripping the process-wide breaker in the tests after it.
    """
    Breaker.reset()
    yield
    with generations.PENDING.lock:
        generations.PENDING.keys.clear()
        retrying = generations.PENDING.thread
    if retrying is not None:
        retrying.join(timeout=5)  # it ends at its next try, finding nothing left
    Breaker.reset()


@pytest.fixture
def make_app(mongo_uri, redis_url):
    """Build apps on a database of their own; migrations applied; dropped afterwards."""
    created = []

    def build(migrate=True, **overrides):
        settings = TestingConfig()
        unique = uuid.uuid4().hex[:12]
        settings.MONGO_URI = mongo_uri
        settings.MONGO_DB_NAME = f"educatenext_test_{unique}"
        settings.REDIS_URL = redis_url
        settings.CACHE_KEY_PREFIX = f"test:{unique}:cache:"
        settings.RATELIMIT_KEY_PREFIX = f"test:{unique}:rl"
        for key, value in overrides.items():
            setattr(settings, key, value)
        app = create_app(settings)
        created.append(app)
        with app.app_context():
            # Flask-Limiter keeps the first app's key prefix, so counters are cleared instead.
            limiter.reset()
        if migrate:
            with app.app_context():
                apply_pending(mongo.db, app.config["MIGRATIONS_DIR"], echo=lambda *_: None)
        return app

    yield build
    for app in created:
        with app.app_context():
            if app.config["MONGO_URI"] == mongo_uri:
                mongo.client.drop_database(app.config["MONGO_DB_NAME"])
            mongo.close()


@pytest.fixture
def commands():
    """Every MongoDB command the default test app sends (tests/commands.py)."""
    return CommandLog()


@pytest.fixture
def app(make_app, commands):
    """The default test app, its MongoDB commands recorded."""
    return make_app(MONGO_EVENT_LISTENERS=[commands])


@pytest.fixture
def client(app):
    """Test client of the default app."""
    return app.test_client()


@pytest.fixture
def db(app):
    """The test app's database, for asserting what the API stored."""
    with app.app_context():
        yield mongo.db


@pytest.fixture
def world(app):
    """A super-admin and two schools (a, b), each with one user per role (password PASSWORD)."""
    from educatenext.accounts.service import insert_user
    from educatenext.auth.roles import SUPER_ADMIN
    from educatenext.institutions.service import create_institution
    from educatenext.platform.mongo.repository import TenantScope

    people = {}
    with app.app_context():
        people["super_admin"] = insert_user(
            TenantScope.platform_wide(),
            {"name": "Platform Root", "email": "root@platform.test", "password": PASSWORD,
             "role": SUPER_ADMIN, "institutionId": None},
        )  # fmt: skip
        for school in ("a", "b"):
            institution, _ = create_institution(
                {"name": f"School {school.upper()}", "code": f"school-{school}"}
            )
            people[school] = {"institution": institution}
            for role in ROLES_IN_SCHOOL:
                people[school][role] = insert_user(
                    TenantScope.of(institution["_id"]), factories.user(role, school)
                )
            people[school].update(seed_school_structure(people[school]))
    return people


def seed_school_structure(school):
    """A subject, the teacher's profile and classroom, and the student (linked to parent)."""
    from educatenext.classrooms.service import create_classroom
    from educatenext.enrollments.repository import EnrollmentRepository
    from educatenext.students.service import create_student
    from educatenext.subjects.service import create_subject
    from educatenext.teachers.service import create_teacher

    identity = factories.admin_identity(school)
    subject = create_subject(identity, factories.subject())
    teacher = create_teacher(
        identity,
        {"userId": school["teacher"]["_id"], "employeeId": "T-1", "subjectIds": [subject["_id"]]},
    )
    classroom = create_classroom(
        identity,
        factories.classroom(primaryTeacherId=teacher["_id"], subjectIds=[subject["_id"]]),
    )
    student = create_student(
        identity,
        factories.student(
            classroomId=classroom["_id"], userId=school["student"]["_id"],
            guardianUserIds=[school["parent"]["_id"]], medicalNotes="Peanut allergy",
            nationalId="NID-1",
        ),
    )  # fmt: skip
    enrollment = EnrollmentRepository(identity.scope).active_for(student["_id"])
    return {
        "subject": subject,
        "teacher_profile": teacher,
        "classroom": classroom,
        "student_record": student,
        "enrollment": enrollment,
    }


@pytest.fixture
def login(client):
    """Log in through the API and return the whole answer."""

    def do_login(email, password=PASSWORD, expect=200):
        response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == expect, response.get_data(as_text=True)
        return response.get_json()

    return do_login


@pytest.fixture
def auth_headers(world, login):
    """Bearer headers for a role of a school (tokens cached per test)."""
    tokens = {}

    def headers(role, school="a"):
        email = "root@platform.test" if role == "super_admin" else f"{role}@{school}.test"
        if email not in tokens:
            tokens[email] = login(email)["token"]
        return {"Authorization": f"Bearer {tokens[email]}"}

    return headers


@pytest.fixture
def api(client, auth_headers):
    """Call the API as a role of a school: api('admin').post(path, json=..., headers=...)."""

    class Caller:
        def __init__(self, role, school):
            self.headers = auth_headers(role, school)

        def __getattr__(self, method):
            def call(path, headers=None, **kwargs):
                merged = {**self.headers, **(headers or {})}
                return client.open(
                    f"/api/v1{path}", method=method.upper(), headers=merged, **kwargs
                )

            return call

    return lambda role="admin", school="a": Caller(role, school)


@pytest.fixture
def server_env(app, tmp_path):
    """Environment for a gunicorn serving the test app's database and Redis (own metrics dir)."""
    config = app.config
    return {
        "EDUCATENEXT_ENV": "testing",
        "MONGO_URI": config["MONGO_URI"],
        "MONGO_DB_NAME": config["MONGO_DB_NAME"],
        "REDIS_URL": config["REDIS_URL"],
        "CACHE_KEY_PREFIX": config["CACHE_KEY_PREFIX"],
        "RATELIMIT_KEY_PREFIX": config["RATELIMIT_KEY_PREFIX"],
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }


@pytest.fixture
def redis_server():
    """A redis-server of the test's own (MONITOR sees only it; the test may stop it)."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def mongo_commands():
    """The MongoDB commands of apps built with MONGO_EVENT_LISTENERS=[mongo_commands]."""
    return CommandLog()


@pytest.fixture
def another_worker(app, make_app):
    """Build another "worker": an app on the same database, Redis, key prefixes and settings."""
    shared = ("MONGO_DB_NAME", "REDIS_URL", "CACHE_KEY_PREFIX", "RATELIMIT_KEY_PREFIX",
              "MONGO_EVENT_LISTENERS", "RESPONSE_CACHE_ENABLED")  # fmt: skip

    def build(**overrides):
        return make_app(
            migrate=False, **{**{name: app.config[name] for name in shared}, **overrides}
        )

    return build
