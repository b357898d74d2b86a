"""Liveness and readiness, including each dependency stopped."""

import pytest

from devservers.processes import MongoServer, RedisServer


def test_health_says_only_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_when_both_answer(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "dependencies": {"mongodb": "ok", "redis": "ok"},
    }


@pytest.mark.slow
def test_ready_is_503_when_redis_stops(make_app):
    redis_server = RedisServer().start()
    app = make_app(REDIS_URL=redis_server.url)
    client = app.test_client()
    assert client.get("/ready").status_code == 200
    redis_server.stop()
    response = client.get("/ready")
    body = response.get_json()
    assert response.status_code == 503
    assert body["code"] == "SERVICE_UNAVAILABLE"
    assert body["details"] == {"mongodb": "ok", "redis": "down"}
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    # The API keeps answering without Redis (limiter and cache degrade, never 5xx).
    assert client.get("/health").status_code == 200


@pytest.mark.slow
def test_ready_is_503_when_mongodb_stops(make_app, tmp_path):
    mongo_server = MongoServer(tmp_path / "mongo").start(timeout=60)
    app = make_app(
        MONGO_URI=mongo_server.uri,
        MONGO_SERVER_SELECTION_TIMEOUT_MS=300,
        READY_TIMEOUT_SECONDS=0.5,
    )
    client = app.test_client()
    assert client.get("/ready").status_code == 200
    mongo_server.kill()
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.get_json()["details"] == {"mongodb": "down", "redis": "ok"}
    assert str(mongo_server.port) not in response.get_data(as_text=True)


def test_ready_without_redis_configured_reports_disabled(make_app):
    app = make_app(REDIS_URL=None)
    response = app.test_client().get("/ready")
    assert response.status_code == 200
    assert response.get_json()["dependencies"]["redis"] == "disabled"
