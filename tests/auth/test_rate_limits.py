"""Per-endpoint limits (read, write, bulk) per caller, with standard headers."""

import pytest

from tests import factories


@pytest.fixture
def app(make_app):
    """Small limits so the test can reach them."""
    return make_app(
        RATELIMIT_READ="5 per minute", RATELIMIT_WRITE="2 per minute", RATELIMIT_BULK="1 per minute"
    )


def test_read_limit_headers_and_429(client, auth_headers):
    headers = auth_headers("admin")
    first = client.get("/api/v1/subjects", headers=headers)
    assert first.headers["X-RateLimit-Limit"] == "5"
    assert first.headers["X-RateLimit-Remaining"] == "4"
    assert int(first.headers["X-RateLimit-Reset"]) > 0
    later = [client.get("/api/v1/subjects", headers=headers) for _ in range(4)]
    assert [r.status_code for r in later] == [200] * 4
    # Hits are counted once, by the cache fast lane, exactly as the normal path counts.
    assert [r.headers["X-RateLimit-Remaining"] for r in later] == ["3", "2", "1", "0"]
    assert later[-1].headers["X-Cache"] == "HIT"
    limited = client.get("/api/v1/subjects", headers=headers)
    assert limited.status_code == 429
    assert limited.get_json()["code"] == "RATE_LIMITED"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    # Another user behind the same address has their own budget.
    assert client.get("/api/v1/subjects", headers=auth_headers("teacher")).status_code == 200


def test_writes_and_bulk_have_their_own_stricter_budgets(client, auth_headers):
    headers = auth_headers("admin")
    for code in ("A1", "A2"):
        assert (
            client.post(
                "/api/v1/subjects", json={"name": code, "code": code}, headers=headers
            ).status_code
            == 201
        )
    assert (
        client.post(
            "/api/v1/subjects", json={"name": "A3", "code": "A3"}, headers=headers
        ).status_code
        == 429
    )
    assert client.get("/api/v1/subjects", headers=headers).status_code == 200  # reads unaffected
    bulk = {"students": [factories.student("Bulk")]}
    assert client.post("/api/v1/students/bulk", json=bulk, headers=headers).status_code == 200
    assert client.post("/api/v1/students/bulk", json=bulk, headers=headers).status_code == 429


def test_dashboard_polling_fits_the_default_read_limit(make_app):
    """Four list calls every 30 s per tab is 8/min; the default allows dozens of tabs per user."""
    from limits import parse_many

    app = make_app()
    [limit] = parse_many(app.config["RATELIMIT_READ"])
    per_minute = limit.amount * 60 / limit.get_expiry()
    assert per_minute / 8 >= 50


def test_rejections_are_counted_in_metrics(client, auth_headers):
    headers = auth_headers("admin")
    statuses = [client.get("/api/v1/subjects", headers=headers).status_code for _ in range(7)]
    assert statuses.count(429) == 2
    text = client.get("/metrics").get_data(as_text=True)
    assert 'educatenext_rate_limit_rejections_total{route="/api/v1/subjects"}' in text


def test_a_flood_of_429s_writes_one_audit_event_per_key(client, auth_headers, db):
    headers = auth_headers("admin")
    for _ in range(12):
        client.get("/api/v1/subjects", headers=headers)
    assert db.audit_events.count_documents({"action": "rate_limited"}) == 1
