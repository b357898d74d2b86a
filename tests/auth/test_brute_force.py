"""Lockout with backoff in MongoDB, per-IP and per-account limits, Argon2id parameters."""

import pytest

from educatenext.config import ProductionConfig, argon2_meets_owasp
from educatenext.extensions import mongo
from tests.factories import PASSWORD


def fail(client, email, times):
    """Send wrong passwords; return the last response."""
    response = None
    for _ in range(times):
        response = client.post(
            "/api/v1/auth/login", json={"email": email, "password": "nope-nope-1"}
        )
    return response


@pytest.mark.parametrize("email", ["teacher@a.test", "ghost@a.test"])
def test_lockout_after_threshold_for_known_and_unknown_emails(client, world, email):
    assert fail(client, email, 5).status_code == 400
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["code"] == "ACCOUNT_LOCKED"
    assert 0 < int(response.headers["Retry-After"]) <= 61


def test_backoff_doubles_and_success_resets(app, client, world, login):
    fail(client, "teacher@a.test", 5)
    with app.app_context():
        throttle = mongo.db.login_throttle
        first = throttle.find_one()
        assert first["failures"] == 5
        # Let the lock lapse, fail again: the next lock is twice as long.
        throttle.update_one({}, {"$set": {"lockedUntil": first["lastFailureAt"]}})
        fail(client, "teacher@a.test", 1)
        second = throttle.find_one()
        assert second["failures"] == 6
        assert (second["lockedUntil"] - second["lastFailureAt"]).total_seconds() == pytest.approx(
            120, abs=1
        )
        throttle.update_one({}, {"$set": {"lockedUntil": second["lastFailureAt"]}})
    login("teacher@a.test")
    with app.app_context():
        assert mongo.db.login_throttle.count_documents({}) == 0


def test_emails_are_not_stored_in_the_throttle(app, client, world):
    fail(client, "teacher@a.test", 2)
    with app.app_context():
        assert "teacher@a.test" not in str(list(mongo.db.login_throttle.find()))


def test_per_account_rate_limit(make_app):
    app = make_app(LOGIN_RATE_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LOCKOUT_THRESHOLD=100)
    client = app.test_client()
    assert fail(client, "x@a.test", 3).status_code == 400
    limited = fail(client, "x@a.test", 1)
    assert limited.status_code == 429
    assert limited.get_json()["code"] == "RATE_LIMITED"
    assert "Retry-After" in limited.headers
    assert fail(client, "y@a.test", 1).status_code == 400  # another account is not limited


def test_per_ip_rate_limit(make_app):
    app = make_app(LOGIN_RATE_LIMIT_PER_IP="4 per minute", LOGIN_LOCKOUT_THRESHOLD=100)
    client = app.test_client()
    for number in range(4):
        assert fail(client, f"u{number}@a.test", 1).status_code == 400
    assert fail(client, "u9@a.test", 1).status_code == 429
    other_ip = client.post(
        "/api/v1/auth/login",
        json={"email": "u9@a.test", "password": "nope-nope-1"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert other_ip.status_code == 400


def test_rehash_on_login(app, client, world, login):
    with app.app_context():
        before = mongo.db.users.find_one({"email": "admin@a.test"})["passwordHash"]
    assert before.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    app.config["ARGON2_TIME_COST"] = 2
    login("admin@a.test")
    with app.app_context():
        after = mongo.db.users.find_one({"email": "admin@a.test"})["passwordHash"]
    assert after.startswith("$argon2id$v=19$m=1024,t=2,p=1$")
    login("admin@a.test")


def test_production_argon2_defaults_meet_owasp(monkeypatch):
    for name in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST"):
        monkeypatch.delenv(name, raising=False)
    config = ProductionConfig()
    assert (config.ARGON2_MEMORY_COST, config.ARGON2_TIME_COST, config.ARGON2_PARALLELISM) == (
        19456,
        2,
        1,
    )
    assert argon2_meets_owasp(config.ARGON2_MEMORY_COST, config.ARGON2_TIME_COST)
    assert not argon2_meets_owasp(1024, 1)
    assert argon2_meets_owasp(47104, 1)


def test_production_refuses_weak_argon2(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("QR_SECRET", "q" * 40)
    monkeypatch.setenv("MFA_SECRET_KEY", "m" * 40)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("ARGON2_MEMORY_COST", "4096")
    with pytest.raises(RuntimeError, match="Argon2"):
        ProductionConfig().validate()
