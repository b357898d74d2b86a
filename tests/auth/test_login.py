"""Login, token verification, refresh rotation, logout, password change."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import jwt
import pytest
from pymongo.collection import Collection

from educatenext.extensions import mongo
from tests.factories import PASSWORD


def test_login_answers_the_contract_shape(client, world, login):
    body = login("teacher@a.test")
    assert body["message"]
    assert body["token"] == body["accessToken"]
    assert len(body["refreshToken"]) >= 40
    assert body["user"] == {
        "id": str(world["a"]["teacher"]["_id"]),
        "name": "Teacher A",
        "email": "teacher@a.test",
        "role": "teacher",
        "institutionId": str(world["a"]["institution"]["_id"]),
    }


def test_email_is_case_insensitive(login, world):
    assert login("  Teacher@A.TEST ")["user"]["role"] == "teacher"


def test_both_token_headers_are_accepted(client, login, world):
    token = login("student@a.test")["token"]
    for headers in ({"Authorization": f"Bearer {token}"}, {"x-auth-token": token}):
        response = client.get("/api/v1/auth/me", headers=headers)
        assert response.status_code == 200
        assert response.get_json()["user"]["email"] == "student@a.test"
        assert "passwordHash" not in response.get_json()["user"]


@pytest.mark.parametrize(
    ("email", "password"),
    [("teacher@a.test", "wrong-password-123"), ("nobody@a.test", PASSWORD)],
)
def test_unknown_email_and_wrong_password_look_the_same(client, world, email, password):
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 400  # the web app reloads on any 401 and would hide why
    body = response.get_json()
    assert body["code"] == "INVALID_CREDENTIALS"
    assert body["message"] == "Invalid email or password."


def test_inactive_users_and_schools_cannot_log_in(app, client, world, login):
    with app.app_context():
        mongo.db.users.update_one({"email": "cashier@a.test"}, {"$set": {"status": "inactive"}})
        mongo.db.institutions.update_one(
            {"_id": world["b"]["institution"]["_id"]}, {"$set": {"status": "inactive"}}
        )
    assert login("cashier@a.test", expect=400)["code"] == "INVALID_CREDENTIALS"
    assert login("teacher@b.test", expect=400)["code"] == "INVALID_CREDENTIALS"


def test_missing_or_bad_tokens_are_401(client, app, world, login):
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers={"x-auth-token": "garbage"}).status_code == 401
    token = login("teacher@a.test")["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    secret = app.config["JWT_SECRET"]
    now = datetime.now(UTC)
    forged = {
        "expired": {**claims, "exp": now - timedelta(minutes=1)},
        "wrong audience": {**claims, "aud": "someone-else"},
        "wrong issuer": {**claims, "iss": "evil"},
        "no jti": {k: v for k, v in claims.items() if k != "jti"},
        "no nbf": {k: v for k, v in claims.items() if k != "nbf"},
        "not yet valid": {**claims, "nbf": now + timedelta(minutes=5)},
    }
    for reason, payload in forged.items():
        bad = jwt.encode(payload, secret, algorithm="HS256")
        response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, reason
        assert response.headers["WWW-Authenticate"] == "Bearer"
    other_key = jwt.encode(claims, "another-secret-that-is-long-enough-000", algorithm="HS256")
    assert client.get("/api/v1/auth/me", headers={"x-auth-token": other_key}).status_code == 401
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert client.get("/api/v1/auth/me", headers={"x-auth-token": unsigned}).status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(client, world, login):
    first = login("parent@a.test")
    other_session = login("parent@a.test")
    response = client.post("/api/v1/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert response.status_code == 200
    second = response.get_json()
    assert second["refreshToken"] != first["refreshToken"]
    assert second["user"]["email"] == "parent@a.test"
    me = {"Authorization": f"Bearer {second['token']}"}
    assert client.get("/api/v1/auth/me", headers=me).status_code == 200
    # The spent token is presented again: the whole family dies.
    reuse = client.post("/api/v1/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert reuse.status_code == 401
    assert (
        client.post(
            "/api/v1/auth/refresh", json={"refreshToken": second["refreshToken"]}
        ).status_code
        == 401
    )
    assert client.get("/api/v1/auth/me", headers=me).status_code == 401
    # Another login of the same user is a different family and lives on.
    other = {"x-auth-token": other_session["token"]}
    assert client.get("/api/v1/auth/me", headers=other).status_code == 200
    unknown = client.post("/api/v1/auth/refresh", json={"refreshToken": "x" * 43})
    assert unknown.status_code == 401


def test_refresh_tokens_are_stored_hashed(app, world, login):
    token = login("finance@a.test")["refreshToken"]
    with app.app_context():
        stored = list(mongo.db.refresh_tokens.find())
    assert stored
    assert all(token not in str(doc) for doc in stored)


def test_logout_kills_access_and_refresh_tokens(client, world, login):
    session = login("teacher@a.test")
    headers = {"Authorization": f"Bearer {session['token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    response = client.post("/api/v1/auth/refresh", json={"refreshToken": session["refreshToken"]})
    assert response.status_code == 401


def test_change_password_revokes_other_sessions(client, world, login):
    current = login("teacher@a.test")
    other = login("teacher@a.test")
    headers = {"Authorization": f"Bearer {current['token']}"}
    response = client.post(
        "/api/v1/auth/change-password",
        json={"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"},
        headers=headers,
    )
    assert response.status_code == 200
    assert "1 other session" in response.get_json()["message"]
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert (
        client.get("/api/v1/auth/me", headers={"x-auth-token": other["token"]}).status_code == 401
    )
    login("teacher@a.test", expect=400)
    login("teacher@a.test", "a brand new passphrase")


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("wrong-password-1", "a brand new passphrase", "currentPassword"),
        (PASSWORD, "short", "newPassword"),
        (PASSWORD, "password123", "newPassword"),
        (PASSWORD, "x" * 129, "newPassword"),
        (PASSWORD, "teacher@a.test", "newPassword"),
    ],
)
def test_change_password_validates(client, auth_headers, current, new, field):
    response = client.post(
        "/api/v1/auth/change-password",
        json={"currentPassword": current, "newPassword": new},
        headers=auth_headers("teacher"),
    )
    assert response.status_code == 400
    assert response.get_json()["details"][0]["field"] == field


def test_two_refreshes_of_one_token_spend_it_once(app, client, world, login):
    """Another request spends the token between this one's read and its write: reuse."""
    first = login("parent@a.test")
    real_update_one = Collection.update_one

    def spent_meanwhile(self, filter_, update, *args, **kwargs):
        if self.name == "refresh_tokens":
            real_update_one(self, {"_id": filter_["_id"]}, {"$set": {"usedAt": datetime.now(UTC)}})
        return real_update_one(self, filter_, update, *args, **kwargs)

    with mock.patch.object(Collection, "update_one", spent_meanwhile):
        response = client.post("/api/v1/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert response.status_code == 401  # a second spend: the family is revoked
    with app.app_context():
        [session] = mongo.db.sessions.find({"userId": world["a"]["parent"]["_id"]})
    assert session["revokedAt"] is not None
