"""The export's own, stricter rate limit (per caller)."""

import pytest

pytestmark = pytest.mark.mongo


@pytest.fixture
def app(make_app):
    """An export budget small enough to reach."""
    return make_app(RATELIMIT_EXPORT="2 per hour")


def test_exports_are_rate_limited_per_caller(client, auth_headers, world):
    path = f"/api/v1/students/{world['a']['student_record']['_id']}/export"
    admin = auth_headers("admin")
    assert [client.get(path, headers=admin).status_code for _ in range(2)] == [200, 200]
    limited = client.get(path, headers=admin)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 60  # an hourly budget
    assert client.get(path, headers=auth_headers("parent")).status_code == 200
    assert client.get("/api/v1/students", headers=admin).status_code == 200  # reads unaffected
