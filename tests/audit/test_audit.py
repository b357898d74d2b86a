"""The audit trail: every write and security event, values only where safe, admins only."""

import inspect

from pymongo.collection import Collection

from educatenext.extensions import mongo
from educatenext.platform import request_state
from educatenext.platform.mongo.repository import TenantRepository, TenantScope
from educatenext.platform.mongo.scoped_collection import ScopedCollection
from tests import factories


def events(app, **query):
    """Audit events matching a filter, oldest first."""
    with app.app_context():
        return list(mongo.db.audit_events.find(query).sort("at", 1))


def test_a_create_names_fields_and_shows_only_safe_values(api, app, world):
    response = api().post(
        "/students",
        json=factories.student("Audit Ann", medicalNotes="Diabetes"),
        headers={"User-Agent": "pytest-agent", "X-Request-ID": "audit-req-1"},
    )
    student_id = response.get_json()["student"]["id"]
    [event] = [
        e
        for e in events(app, resourceType="students", action="create")
        if str(e["resourceIds"][0]) == student_id
    ]
    assert event["actorId"] == world["a"]["admin"]["_id"]
    assert (event["actorRole"], event["requestId"], event["userAgent"]) == (
        "admin",
        "audit-req-1",
        "pytest-agent",
    )
    assert event["institutionId"] == world["a"]["institution"]["_id"]
    assert "medicalNotes" in event["fields"]
    assert "Diabetes" not in str(event)
    assert event["values"]["admissionYear"] == 2025


def test_grade_changes_keep_old_and_new_values(api, app, world):
    payload = {
        "studentId": str(world["a"]["student_record"]["_id"]),
        "subjectId": str(world["a"]["subject"]["_id"]),
        "classroomId": str(world["a"]["classroom"]["_id"]),
        "academicYear": "2025-2026",
        "semester": "first",
        "gradeType": "exam",
        "title": "t",
        "maxMarks": 50,
        "obtainedMarks": 45,
    }
    grade = api("teacher").post("/grades", json=payload).get_json()["grade"]
    api("teacher").patch(f"/grades/{grade['id']}", json={"obtainedMarks": 40})
    [change] = events(app, resourceType="grades", action="update")
    assert change["previous"]["obtainedMarks"] == 45
    assert change["values"]["obtainedMarks"] == 40
    assert change["actorRole"] == "teacher"


def test_security_events(api, app, client, world, auth_headers, login):
    client.post("/api/v1/auth/login", json={"email": "teacher@a.test", "password": "wrong-wrong-1"})
    session = login("teacher@a.test")
    api("student").get("/users")  # permission denied
    client.post("/api/v1/auth/refresh", json={"refreshToken": session["refreshToken"]})
    client.post("/api/v1/auth/refresh", json={"refreshToken": session["refreshToken"]})  # reuse
    actions = [e["action"] for e in events(app, resourceType="security")]
    for action in ("login_failure", "login_success", "permission_denied", "token_reuse"):
        assert action in actions
    assert "wrong-wrong-1" not in str(events(app))


def test_rate_limit_hits_are_recorded(make_app):
    app = make_app(LOGIN_RATE_LIMIT_PER_IP="1 per minute")
    client = app.test_client()
    for _ in range(2):
        client.post("/api/v1/auth/login", json={"email": "x@a.test", "password": "nope-nope-1"})
    assert events(app, action="rate_limited")


def test_admins_read_their_institutions_trail_only(api, app, world):
    api().post("/subjects", json={"name": "Latin", "code": "LAT"})
    api("admin", "b").post("/subjects", json={"name": "Greek", "code": "GRK"})
    listed = api().get("/audit-events?resourceType=subjects&action=create").get_json()
    assert [e["values"]["code"] for e in listed] == ["LAT", "MATH"]  # MATH: seeded by `world`
    assert listed[0]["fields"] == ["code", "name", "nameLower", "status"]
    assert api("teacher").get("/audit-events").status_code == 403
    teacher_id = str(world["a"]["teacher"]["_id"])
    assert all(
        e["actorId"] == teacher_id
        for e in api().get(f"/audit-events?actorId={teacher_id}").get_json()
    )


# Collections whose writes are bookkeeping, not business events (auth has explicit events).
BOOKKEEPING = {
    "audit_events",
    "active_classrooms",  # derived from the audited classrooms
    "active_classroom_versions",  # ditto
    "attendance_days",  # derived from the audited attendance records
    "counters",
    "login_throttle",
    "outstanding_balances",  # derived from the audited invoices
    "erasures",  # each erasure writes its own audit event
    "mfa_factors",  # every change is a security event (never the ciphertext or code hashes)
    "mfa_spent_tokens",
    "idempotency_keys",
    "refresh_tokens",
    "sessions",
}


def test_no_write_path_skips_the_trail(app):
    """Every repository writes through a ScopedCollection that emits events (but bookkeeping),
    and that collection offers no pymongo write it does not wrap."""
    with app.app_context():
        for repository in _all_repositories():
            collection = repository(TenantScope.platform_wide()).collection
            assert isinstance(collection, ScopedCollection), repository.__name__
            assert repository.emits_write_events == (
                repository.collection_name not in BOOKKEEPING
            ), repository.__name__
    writes = {
        name
        for name, _ in inspect.getmembers(Collection, inspect.isfunction)
        if name.startswith(("insert", "update", "replace", "delete", "bulk_write", "find_one_and"))
        and "index" not in name  # search-index management is not a data write
    }
    offered = {name for name in dir(ScopedCollection) if not name.startswith("_")}
    unwrapped = writes & offered - set(vars(ScopedCollection))
    assert not unwrapped
    assert not hasattr(ScopedCollection, "__getattr__"), "no pass-through to pymongo"


def test_the_trail_is_append_only(app):
    from educatenext.audit.repository import AuditEventRepository

    repository = AuditEventRepository(TenantScope.platform_wide())
    for method in (
        repository.insert,
        repository.update,
        repository.update_many,
        repository.insert_many,
    ):
        try:
            method({})
        except PermissionError:
            continue
        raise AssertionError(f"{method.__name__} should refuse")


def _all_repositories():
    import educatenext  # noqa: F401 - the app already imported every package

    pending, seen = [TenantRepository], set()
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass not in seen and subclass.__module__.startswith("educatenext."):
                seen.add(subclass)
                pending.append(subclass)
    return seen


def test_a_bulk_write_that_fails_part_way_records_what_it_applied(app, world):
    """An ordered bulk stops at its failure: the operations before it are recorded, and their
    collection's cache goes stale; those after it never ran and are not."""
    from pymongo import InsertOne, UpdateOne
    from pymongo.errors import BulkWriteError

    from educatenext.subjects.repository import SubjectRepository

    school = world["a"]["institution"]["_id"]
    with app.test_request_context():
        collection = SubjectRepository(TenantScope.of(school)).collection
        first = {"institutionId": school, "name": "First", "code": "F1"}
        collection.insert_one(first)
        events_before = mongo.db.audit_events.count_documents({"resourceType": "subjects"})
        request_state.current().stale_generations.clear()
        operations = [
            UpdateOne({"_id": first["_id"], "institutionId": school}, {"$set": {"name": "One"}}),
            InsertOne({"_id": first["_id"], "institutionId": school, "name": "Dup", "code": "D"}),
            InsertOne({"institutionId": school, "name": "Never", "code": "N1"}),
        ]
        try:
            collection.bulk_write(operations)
        except BulkWriteError:
            pass
        else:
            raise AssertionError("the duplicate _id should fail the bulk write")
        assert f"gen:{school}:subjects" in request_state.current().stale_generations
    recorded = events(app, resourceType="subjects")[events_before:]
    assert [(e["action"], e["fields"]) for e in recorded] == [("update", ["name"])]
    with app.app_context():
        assert mongo.db.subjects.count_documents({"name": "Never"}) == 0


def test_a_bulk_write_of_unknown_outcome_stales_the_cache(app, world, monkeypatch):
    """A timeout or lost connection may have applied the write: its collection goes stale."""
    from pymongo import UpdateOne
    from pymongo.errors import AutoReconnect

    from educatenext.subjects.repository import SubjectRepository

    def lost(self, *args, **kwargs):
        raise AutoReconnect("connection closed")

    monkeypatch.setattr(Collection, "bulk_write", lost)
    school = world["a"]["institution"]["_id"]
    with app.test_request_context():
        collection = SubjectRepository(TenantScope.of(school)).collection
        request_state.current().stale_generations.clear()
        try:
            collection.bulk_write([UpdateOne({"institutionId": school}, {"$set": {"name": "X"}})])
        except AutoReconnect:
            pass
        else:
            raise AssertionError("the lost connection should reach the caller")
        assert f"gen:{school}:subjects" in request_state.current().stale_generations


def test_a_platform_wide_update_stales_its_documents_school_only(app, world):
    """A login (platform scope) writes the user: only that school's users cache goes stale."""

    from educatenext.users.repository import UserRepository

    school = world["a"]["institution"]["_id"]
    with app.app_context():
        user = mongo.db.users.find_one({"institutionId": school, "role": "teacher"})
    with app.test_request_context():
        request_state.current().stale_generations.clear()
        updated = UserRepository(TenantScope.platform_wide()).update(user["_id"], {"name": "T2"})
        assert (updated["name"], updated["institutionId"]) == ("T2", school)
        assert f"gen:{school}:users" in request_state.current().stale_generations
        assert "gen:*:users" not in request_state.current().stale_generations
    (event,) = events(app, resourceType="users", fields=["name", "nameLower"])
    assert (event["institutionId"], event["resourceIds"]) == (school, [user["_id"]])


def test_a_conditional_update_that_stops_matching_before_its_write_changes_nothing(
    app, world, monkeypatch
):
    """extra_filter holds at the read; another write changes it first: no update, None."""
    from educatenext.subjects.repository import SubjectRepository

    school = world["a"]["institution"]["_id"]
    real_update_one = Collection.update_one

    def overtaken(self, filter_, update, *args, **kwargs):
        if self.name == "subjects":
            real_update_one(self, {"_id": filter_["_id"]}, {"$set": {"code": "TAKEN"}})
        return real_update_one(self, filter_, update, *args, **kwargs)

    with app.test_request_context():
        subjects = SubjectRepository(TenantScope.of(school))
        subject = subjects.insert({"name": "Art", "code": "ART"})
        monkeypatch.setattr(Collection, "update_one", overtaken)
        assert subjects.update(subject["_id"], {"name": "X"}, extra_filter={"code": "ART"}) is None
        monkeypatch.undo()
        assert mongo.db.subjects.find_one({"_id": subject["_id"]})["name"] == "Art"
