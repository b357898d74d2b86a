"""Every error class answers the APIError envelope through the HTTP API."""

import io
import re

import pytest

from educatenext.extensions import api
from tests import probe

ENVELOPE_KEYS = {"error", "message", "code", "timestamp", "requestId"}


@pytest.fixture
def app(make_app):
    """An app with the probe blueprint, exceptions not propagated (as in production)."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    api.register_blueprint(probe.blp, url_prefix="/api/v1/probe")
    return app


@pytest.fixture
def probe_client(client):
    """Client of the probe app."""
    return client


def assert_envelope(response, status, code):
    """Check the status, the envelope's keys and its stable code."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body.keys() >= ENVELOPE_KEYS
    assert body["code"] == code
    assert body["message"] == body["error"]
    assert body["requestId"] == response.headers["X-Request-ID"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", body["timestamp"])
    return body


def test_unknown_route_is_404(client):
    assert_envelope(client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/health")
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_400(probe_client):
    response = probe_client.post(
        "/api/v1/probe/widgets", data='{"code": ', content_type="application/json"
    )
    assert_envelope(response, 400, "MALFORMED_JSON")


def test_wrong_content_type_is_415(probe_client):
    response = probe_client.post("/api/v1/probe/widgets", data="code=a", content_type="text/plain")
    assert_envelope(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_body_over_limit_is_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=100)
    response = app.test_client().post("/api/v1/x", json={"pad": "x" * 200})
    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")


def test_chunked_body_over_limit_is_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=100, PROPAGATE_EXCEPTIONS=False)
    api.register_blueprint(probe.blp, url_prefix="/api/v1/probe")

    body = io.BytesIO(b'{"code": "' + b"x" * 500 + b'"}')
    response = app.test_client().post(
        "/api/v1/probe/widgets",
        input_stream=body,
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")


def test_validation_is_400_with_field_details(probe_client, db):
    response = probe_client.post("/api/v1/probe/widgets", json={"size": 99, "colour": "red"})
    body = assert_envelope(response, 400, "VALIDATION_ERROR")
    problems = {(d["location"], d["field"]) for d in body["details"]}
    assert problems == {("json", "code"), ("json", "size"), ("json", "colour")}
    assert db.widgets.count_documents({}) == 0


def test_invalid_query_parameter_is_400(probe_client):
    response = probe_client.get("/api/v1/probe/widgets?limit=1000&page=0")
    body = assert_envelope(response, 400, "VALIDATION_ERROR")
    assert {d["field"] for d in body["details"]} == {"limit", "page"}
    assert {d["location"] for d in body["details"]} == {"query"}


def test_duplicate_key_is_409_without_the_value(probe_client, db):
    assert probe_client.post("/api/v1/probe/widgets", json={"code": "w-1"}).status_code == 201
    response = probe_client.post("/api/v1/probe/widgets", json={"code": "w-1"})
    body = assert_envelope(response, 409, "DUPLICATE_KEY")
    assert body["details"] == [{"location": "json", "field": "code", "message": "Already exists."}]
    assert "w-1" not in response.get_data(as_text=True)
    assert db.widgets.count_documents({}) == 1


def test_unhandled_exception_is_500_without_internals(probe_client):
    response = probe_client.get("/api/v1/probe/boom")
    body = assert_envelope(response, 500, "INTERNAL_ERROR")
    text = response.get_data(as_text=True)
    assert "hunter2" not in text
    assert "RuntimeError" not in text
    assert "Traceback" not in text
    assert body["error"] == "An unexpected error occurred."


def test_database_down_is_503_with_retry_after(make_app):
    app = make_app(
        migrate=False,
        MONGO_URI="mongodb://127.0.0.1:9/",
        MONGO_SERVER_SELECTION_TIMEOUT_MS=200,
        MONGO_OPERATION_TIMEOUT_MS=300,
        PROPAGATE_EXCEPTIONS=False,
    )
    api.register_blueprint(probe.blp, url_prefix="/api/v1/probe")
    response = app.test_client().get("/api/v1/probe/widgets")
    assert_envelope(response, 503, "DATABASE_UNAVAILABLE")
    assert int(response.headers["Retry-After"]) > 0


def test_rate_limit_is_429_with_retry_after(probe_client):
    assert probe_client.get("/api/v1/probe/limited").status_code == 200
    assert probe_client.get("/api/v1/probe/limited").status_code == 200
    response = probe_client.get("/api/v1/probe/limited")
    assert_envelope(response, 429, "RATE_LIMITED")
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_unversioned_path_is_an_alias(probe_client):
    probe_client.post("/api/v1/probe/widgets", json={"code": "a"})
    versioned = probe_client.get("/api/v1/probe/widgets")
    alias = probe_client.get("/api/probe/widgets")
    assert alias.status_code == versioned.status_code == 200
    assert alias.get_json() == versioned.get_json() == [{"code": "a", "size": None}] or (
        alias.get_json() == versioned.get_json() == [{"code": "a"}]
    )
    assert_envelope(probe_client.get("/api/missing"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "body",
    [
        {"code": "w", "$where": "1"},
        {"code": {"$gt": ""}},
        {"code": "w", "nested": [{"a.b": 1}]},
        {"code": "w", "x\u0000y": 1},
        [{"$ne": 1}],
    ],
)
def test_operator_keys_in_bodies_are_refused(probe_client, db, body):
    response = probe_client.post("/api/v1/probe/widgets", json=body)
    assert_envelope(response, 400, "VALIDATION_ERROR")
    assert "Keys must not" in response.get_json()["details"][0]["message"]
    assert db.widgets.count_documents({}) == 0


@pytest.mark.parametrize("query", ["$where=1", "page.x=1", "limit[$gt]=1"])
def test_operator_query_parameter_names_are_refused(probe_client, query):
    response = probe_client.get(f"/api/v1/probe/widgets?{query}")
    assert_envelope(response, 400, "VALIDATION_ERROR")
    assert response.get_json()["details"][0]["location"] == "query"
