"""Dependencies that are down cost a request once, not every request (MongoDB and Redis)."""

import os
import signal
import time

import pytest
import redis

from devservers.processes import MongoServer, RedisServer
from educatenext.platform.redis.breaker import Breaker, FailFastConnection

LOGIN = {"email": "nobody@a.test", "password": "irrelevant passphrase"}


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_mongodb_down_answers_503_fast_then_at_once(make_app):
    app = make_app(
        migrate=False,
        MONGO_URI="mongodb://127.0.0.1:9/",
        MONGO_OPERATION_TIMEOUT_MS=5000,  # the production budget: no request should wait it out
        MONGO_SERVER_SELECTION_TIMEOUT_MS=400,
        MONGO_UNAVAILABLE_BACKOFF_SECONDS=30,
    )
    client = app.test_client()
    first, first_seconds = timed(lambda: client.post("/api/v1/auth/login", json=LOGIN))
    second, second_seconds = timed(lambda: client.post("/api/v1/auth/login", json=LOGIN))
    for response in (first, second):
        assert response.status_code == 503
        assert response.get_json()["code"] == "DATABASE_UNAVAILABLE"
        assert int(response.headers["Retry-After"]) > 0
    assert first_seconds < 2.0  # one short ping, not the 5 s operation budget
    assert second_seconds < 0.3  # within the backoff: no ping at all


def test_mongodb_back_is_noticed_without_a_restart(make_app, tmp_path):
    server = MongoServer(tmp_path / "mongo").start(timeout=60)
    try:
        app = make_app(
            migrate=False,
            MONGO_URI=server.uri,
            MONGO_OPERATION_TIMEOUT_MS=1500,
            MONGO_UNAVAILABLE_BACKOFF_SECONDS=0.3,
        )
        client = app.test_client()
        assert client.post("/api/v1/auth/login", json=LOGIN).status_code == 400
        server.stop()
        assert client.post("/api/v1/auth/login", json=LOGIN).status_code == 503
        server.start(timeout=60)
        time.sleep(0.35)  # the backoff after the last failed ping
        assert client.post("/api/v1/auth/login", json=LOGIN).status_code == 400
    finally:
        server.stop()


def failing_call_seconds(client):
    """How long a GET took to fail."""
    started = time.monotonic()
    with pytest.raises(redis.RedisError):
        client.get("k")
    return time.monotonic() - started


@pytest.fixture
def frozen_redis():
    server = RedisServer().start()
    yield server
    os.kill(server.process.pid, signal.SIGCONT)
    server.stop()


def test_a_frozen_redis_costs_one_timeout_then_fails_fast(frozen_redis):
    client = redis.from_url(
        frozen_redis.url, socket_timeout=0.3, connection_class=FailFastConnection
    )
    assert client.ping()
    os.kill(frozen_redis.process.pid, signal.SIGSTOP)
    first, second = failing_call_seconds(client), failing_call_seconds(client)
    assert first >= 0.25  # waited for the socket timeout once
    assert second < 0.05  # then did not ask Redis at all
    os.kill(frozen_redis.process.pid, signal.SIGCONT)
    Breaker.open_until = 0.0  # the backoff has passed
    client.connection_pool.disconnect()
    assert client.ping()
