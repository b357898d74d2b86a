"""The response cache with its own Redis, stopped and restarted mid-test."""

import time

import pytest

from educatenext.caching import generations

pytestmark = pytest.mark.redis


@pytest.fixture
def app(make_app, redis_server):
    """The test app on a Redis this test may stop."""
    return make_app(REDIS_URL=redis_server.url)


def names(response):
    return sorted(item["name"] for item in response.get_json())


def test_redis_down_reads_fall_through_and_writes_succeed(api, redis_server):
    admin = api("admin", "a")
    for _ in range(3):
        admin.get("/subjects")
    assert admin.get("/subjects").headers["X-Cache"] == "HIT"
    redis_server.stop()
    try:
        down = admin.get("/subjects")
        assert down.status_code == 200
        assert down.headers["X-Cache"] == "MISS"
        created = admin.post("/subjects", json={"name": "Written While Down", "code": "WWD"})
        assert created.status_code == 201
        # The invalidation could not be published: this process now serves nothing cached.
        assert generations.PENDING
        redis_server.start()
        # The background retry publishes it (once the fail-fast backoff after the outage has
        # passed); the entry stored before the outage can't match.
        for _ in range(60):
            if not generations.PENDING:
                break
            generations.PENDING.flush()
            time.sleep(0.05)
        assert not generations.PENDING
        fresh = admin.get("/subjects")
        assert fresh.status_code == 200
        assert "Written While Down" in names(fresh)
    finally:
        generations.PENDING.keys.clear()
