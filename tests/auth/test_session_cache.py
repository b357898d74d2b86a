"""The auth context is cached in Redis, invalidated on change, and Redis is never the truth."""

import pytest
import redis

from devservers.processes import RedisServer
from educatenext.extensions import mongo
from tests.factories import PASSWORD


def cached_keys(app):
    """Auth cache keys of this app in Redis."""
    client = redis.Redis.from_url(app.config["REDIS_URL"])
    try:
        return {key.decode() for key in client.keys(app.config["CACHE_KEY_PREFIX"] + "auth:*")}
    finally:
        client.close()


def test_context_is_cached_and_used_without_mongodb(app, client, world, login):
    token = {"x-auth-token": login("teacher@a.test")["token"]}
    assert client.get("/api/v1/auth/me", headers=token).status_code == 200
    teacher_id = world["a"]["teacher"]["_id"]
    assert f"{app.config['CACHE_KEY_PREFIX']}auth:user:{teacher_id}" in cached_keys(app)
    # Changed behind the service's back: the cached context still answers (no MongoDB read).
    with app.app_context():
        mongo.db.users.update_one({"_id": teacher_id}, {"$set": {"status": "inactive"}})
    assert client.get("/api/v1/auth/me", headers=token).status_code == 200


def test_login_caches_the_context_so_the_first_request_reads_no_auth_documents(
    app, client, world, login, commands
):
    token = {"x-auth-token": login("teacher@a.test")["token"]}
    teacher_id = world["a"]["teacher"]["_id"]
    assert f"{app.config['CACHE_KEY_PREFIX']}auth:user:{teacher_id}" in cached_keys(app)
    commands.clear()
    assert client.get("/api/v1/students", headers=token).status_code == 200
    assert commands.sent  # the list itself came from MongoDB
    assert not {"users", "institutions", "sessions"} & commands.collections()


def test_a_refresh_caches_the_context_too(app, client, world, login, commands):
    answer = login("teacher@a.test")
    redis.Redis.from_url(app.config["REDIS_URL"]).delete(*cached_keys(app))
    refreshed = client.post("/api/v1/auth/refresh", json={"refreshToken": answer["refreshToken"]})
    assert refreshed.status_code == 200
    commands.clear()
    headers = {"x-auth-token": refreshed.get_json()["token"]}
    assert client.get("/api/v1/students", headers=headers).status_code == 200
    assert not {"users", "institutions", "sessions"} & commands.collections()


def test_changes_through_the_service_invalidate_at_once(app, client, world, login, auth_headers):
    token = {"x-auth-token": login("teacher@a.test")["token"]}
    client.get("/api/v1/auth/me", headers=token)
    teacher_id = world["a"]["teacher"]["_id"]
    client.patch(
        f"/api/v1/users/{teacher_id}", json={"status": "inactive"}, headers=auth_headers("admin")
    )
    assert client.get("/api/v1/auth/me", headers=token).status_code == 401


@pytest.mark.slow
def test_redis_down_falls_back_to_mongodb_never_401(make_app, world):
    server = RedisServer().start()
    app = make_app(REDIS_URL=server.url)
    client = app.test_client()
    _seed_like(app, world)
    token = client.post(
        "/api/v1/auth/login", json={"email": "t@x.test", "password": PASSWORD}
    ).get_json()["token"]
    headers = {"x-auth-token": token}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    server.stop()
    for _ in range(3):
        response = client.get("/api/v1/auth/me", headers=headers)
        assert response.status_code == 200
    # A login cannot cache the context it vetted: it still succeeds, and so does its request.
    again = client.post("/api/v1/auth/login", json={"email": "t@x.test", "password": PASSWORD})
    assert again.status_code == 200
    fresh = {"x-auth-token": again.get_json()["token"]}
    assert client.get("/api/v1/auth/me", headers=fresh).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


@pytest.mark.slow
def test_revocations_and_lockouts_survive_a_redis_restart(make_app, world):
    server = RedisServer().start()
    app = make_app(REDIS_URL=server.url)
    client = app.test_client()
    _seed_like(app, world)
    login = {"email": "t@x.test", "password": PASSWORD}
    revoked = client.post("/api/v1/auth/login", json=login).get_json()
    headers = {"x-auth-token": revoked["token"]}
    client.get("/api/v1/auth/me", headers=headers)
    client.post("/api/v1/auth/logout", headers=headers)
    for _ in range(5):
        client.post(
            "/api/v1/auth/login", json={"email": "locked@x.test", "password": "wrong-wrong-1"}
        )
    server.stop()
    restarted = RedisServer(port=server.port).start()
    try:
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
        refresh = client.post(
            "/api/v1/auth/refresh", json={"refreshToken": revoked["refreshToken"]}
        )
        assert refresh.status_code == 401
        locked = client.post(
            "/api/v1/auth/login", json={"email": "locked@x.test", "password": PASSWORD}
        )
        assert locked.status_code == 429
        assert locked.get_json()["code"] == "ACCOUNT_LOCKED"
    finally:
        restarted.stop()


def _seed_like(app, world):
    """Give the separate app a school and a teacher (t@x.test)."""
    from educatenext.accounts.service import insert_user
    from educatenext.institutions.service import create_institution
    from educatenext.platform.mongo.repository import TenantScope

    with app.app_context():
        institution, _ = create_institution({"name": "X School", "code": "x-school"})
        insert_user(
            TenantScope.of(institution["_id"]),
            {"name": "T", "email": "t@x.test", "password": PASSWORD, "role": "teacher"},
        )
