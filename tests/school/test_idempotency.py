"""Idempotency-Key: retries replay, a different body is 422, concurrent duplicates make one."""

from concurrent.futures import ThreadPoolExecutor

from educatenext.extensions import mongo

STUDENT = {"name": "Retry Rita", "admissionYear": 2025}


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
