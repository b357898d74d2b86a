"""Registration only by single-use, expiring invitation from the institution's admin."""

from datetime import timedelta

import pytest

from educatenext.extensions import mongo
from educatenext.platform.values import utcnow

NEW_PASSWORD = "fresh teacher passphrase"


@pytest.fixture
def invite(client, auth_headers):
    """Invite someone to school A through the API; returns (invitation, token)."""

    def create(email="new.teacher@a.test", role="Teacher", **extra):
        response = client.post(
            "/api/v1/invitations",
            json={"email": email, "role": role, **extra},
            headers=auth_headers("admin"),
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        body = response.get_json()
        return body["invitation"], body["token"]

    return create


def register(client, token=None, email="new.teacher@a.test", **extra):
    """The web client's register call (it sends a role; we ignore it)."""
    payload = {
        "name": "New Teacher",
        "email": email,
        "password": NEW_PASSWORD,
        "confirmPassword": NEW_PASSWORD,
        "role": "admin",
        **extra,
    }
    if token:
        payload["invitationToken"] = token
    return client.post("/api/v1/auth/register", json=payload)


def test_web_client_call_without_invitation_gets_a_clear_envelope(client, world):
    response = register(client)
    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == "INVITATION_REQUIRED"
    assert "invitation" in body["message"]


def test_invited_user_registers_with_the_invitations_role_and_school(client, world, invite, app):
    invitation, token = invite()
    assert invitation["role"] == "teacher"
    assert "token" not in invitation
    assert "tokenHash" not in invitation
    response = register(client, token)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["user"]["role"] == "teacher"  # the client's "admin" is ignored
    assert body["user"]["institutionId"] == str(world["a"]["institution"]["_id"])
    me = client.get("/api/v1/auth/me", headers={"x-auth-token": body["token"]})
    assert me.get_json()["user"]["email"] == "new.teacher@a.test"
    assert register(client, token).get_json()["code"] == "INVITATION_INVALID"
    with app.app_context():
        assert mongo.db.invitations.find_one()["usedAt"] is not None


def test_invitation_links_are_copied_to_the_account(client, world, invite):
    child = str(world["a"]["student_record"]["_id"])
    _, token = invite(email="mum@a.test", role="parent", childStudentIds=[child])
    body = register(client, token, email="mum@a.test").get_json()
    user = client.get("/api/v1/auth/me", headers={"x-auth-token": body["token"]}).get_json()["user"]
    assert user["childStudentIds"] == [child]


@pytest.mark.parametrize("problem", ["wrong email", "expired", "revoked", "unknown"])
def test_unusable_invitations_are_refused(client, world, invite, app, auth_headers, problem):
    invitation, token = invite()
    email = "new.teacher@a.test"
    if problem == "wrong email":
        email = "someone.else@a.test"
    elif problem == "expired":
        with app.app_context():
            mongo.db.invitations.update_one(
                {}, {"$set": {"expiresAt": utcnow() - timedelta(seconds=1)}}
            )
    elif problem == "revoked":
        response = client.delete(
            f"/api/v1/invitations/{invitation['id']}", headers=auth_headers("admin")
        )
        assert response.status_code == 200
    else:
        token = "u" * 43
    response = register(client, token, email=email)
    assert response.status_code == 403
    assert response.get_json()["code"] == "INVITATION_INVALID"


def test_existing_email_is_409_and_the_invitation_survives(client, world, invite, app):
    _, token = invite(email="teacher@a.test")
    response = register(client, token, email="teacher@a.test")
    assert response.status_code == 409
    with app.app_context():
        assert mongo.db.invitations.find_one()["usedAt"] is None  # the transaction rolled back


def test_password_rules_apply_at_registration(client, world, invite):
    _, token = invite()
    mismatch = register(client, token, confirmPassword="something else entirely")
    assert mismatch.status_code == 400
    assert mismatch.get_json()["details"][0]["field"] == "confirmPassword"
    common = register(client, token, password="iloveyou1", confirmPassword="iloveyou1")
    assert common.status_code == 400
    assert common.get_json()["details"][0]["field"] == "password"
    assert register(client, token).status_code == 201


def test_admins_list_and_revoke_invitations(client, world, invite, auth_headers):
    invitation, token = invite()
    listed = client.get("/api/v1/invitations", headers=auth_headers("admin"))
    assert [i["id"] for i in listed.get_json()] == [invitation["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    assert client.get("/api/v1/invitations", headers=auth_headers("admin", "b")).get_json() == []
    other_school = client.delete(
        f"/api/v1/invitations/{invitation['id']}", headers=auth_headers("admin", "b")
    )
    assert other_school.status_code == 404
    register(client, token)
    used = client.delete(f"/api/v1/invitations/{invitation['id']}", headers=auth_headers("admin"))
    assert used.status_code == 409


def test_only_admins_invite_and_never_super_admins(client, world, auth_headers):
    payload = {"email": "x@a.test", "role": "teacher"}
    assert (
        client.post(
            "/api/v1/invitations", json=payload, headers=auth_headers("teacher")
        ).status_code
        == 403
    )
    escalate = client.post(
        "/api/v1/invitations",
        json={"email": "x@a.test", "role": "super_admin"},
        headers=auth_headers("admin"),
    )
    assert escalate.status_code == 400
