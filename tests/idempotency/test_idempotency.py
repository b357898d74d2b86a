"""Idempotency-Key: retries replay, a different body is 422, concurrent duplicates make one."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from educatenext.extensions import mongo
from educatenext.platform.mongo.repository import TenantScope
from tests import factories

STUDENT = factories.student("Retry Rita")


def test_retry_replays_the_first_response(api, app):
    headers = {"Idempotency-Key": "create-rita-0001"}
    first = api().post("/students", json=STUDENT, headers=headers)
    again = api().post(
        "/students", json={"admissionYear": 2025, "name": "Retry Rita"}, headers=headers
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["student"]["id"] == first.get_json()["student"]["id"]
    with app.app_context():
        assert mongo.db.students.count_documents({"name": "Retry Rita"}) == 1
        assert mongo.db.idempotency_keys.count_documents({"state": "done"}) == 1


def test_same_key_other_body_is_422(api):
    headers = {"Idempotency-Key": "create-rita-0002"}
    assert api().post("/students", json=STUDENT, headers=headers).status_code == 201
    other = api().post("/students", json={**STUDENT, "name": "Someone Else"}, headers=headers)
    assert other.status_code == 422
    assert other.get_json()["code"] == "UNPROCESSABLE"


def test_keys_are_per_caller_and_well_formed(api, app):
    headers = {"Idempotency-Key": "shared-key-0003"}
    assert (
        api().post("/subjects", json={"name": "Art", "code": "ART"}, headers=headers).status_code
        == 201
    )
    assert (
        api("admin", "b")
        .post("/subjects", json={"name": "Art", "code": "ART"}, headers=headers)
        .status_code
        == 201
    )
    assert (
        api()
        .post("/subjects", json={"name": "X", "code": "X"}, headers={"Idempotency-Key": "bad key"})
        .status_code
        == 400
    )


def test_concurrent_duplicates_create_one_document(app, auth_headers):
    headers = {**auth_headers("admin"), "Idempotency-Key": "concurrent-0004"}

    def create(_):
        with app.test_client() as client:
            return client.post("/api/v1/students", json=STUDENT, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(8)))
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    with app.app_context():
        assert mongo.db.students.count_documents({"name": "Retry Rita"}) == 1


def test_failed_requests_can_be_retried(api, app, monkeypatch):
    from educatenext.students import service

    headers = {"Idempotency-Key": "flaky-0005"}
    original = service.create_student

    def explode(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(service, "create_student", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert api().post("/students", json=STUDENT, headers=headers).status_code == 500
    monkeypatch.setattr(service, "create_student", original)
    assert api().post("/students", json=STUDENT, headers=headers).status_code == 201


def test_a_retry_after_a_crashed_attempt_applies_the_write_once(api, app, monkeypatch):
    from educatenext.idempotency.repository import IdempotencyRepository

    headers = {"Idempotency-Key": "crashed-0006"}
    # The first attempt inserts the student, then its worker "dies" before completing the record.
    monkeypatch.setattr(IdempotencyRepository, "complete", lambda *args: None)
    first = api().post("/students", json=STUDENT, headers=headers)
    monkeypatch.undo()
    assert first.status_code == 201  # this response never reached the client

    busy = api().post("/students", json=STUDENT, headers=headers)
    assert busy.status_code == 409  # the first attempt's lease still runs
    assert 1 <= int(busy.headers["Retry-After"]) <= app.config["IDEMPOTENCY_LEASE_SECONDS"]

    with app.app_context():
        mongo.db.idempotency_keys.update_many({}, {"$set": {"leaseUntil": datetime(2000, 1, 1)}})
    retried = api().post("/students", json=STUDENT, headers=headers)
    assert retried.status_code == 201
    assert retried.get_json()["student"]["id"] == first.get_json()["student"]["id"]
    with app.app_context():
        assert mongo.db.students.count_documents({"name": "Retry Rita"}) == 1
        assert mongo.db.idempotency_keys.find_one()["state"] == "done"
    replayed = api().post("/students", json=STUDENT, headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json() == retried.get_json()


def test_an_expired_lease_is_taken_over_by_one_retry_only(api, app, monkeypatch):
    from educatenext.idempotency.repository import IdempotencyRepository

    headers = {"Idempotency-Key": "takeover-0007"}
    monkeypatch.setattr(IdempotencyRepository, "complete", lambda *args: None)
    assert api().post("/subjects", json={"name": "Lost", "code": "LST"}, headers=headers)
    monkeypatch.undo()
    with app.app_context():
        mongo.db.idempotency_keys.update_many({}, {"$set": {"leaseUntil": datetime(2000, 1, 1)}})
        record = mongo.db.idempotency_keys.find_one()
        repository = IdempotencyRepository(TenantScope.of(record["institutionId"]))
        now = datetime.now(UTC)
        later = now + timedelta(seconds=10)
        wins = [
            repository.take_over(record["_id"], record["owner"], f"o{i}", later, now)
            for i in range(3)
        ]
        assert wins == [True, False, False]
        assert mongo.db.subjects.count_documents({"code": "LST"}) == 1
