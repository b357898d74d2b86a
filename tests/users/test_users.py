"""Admins manage their institution's users; tenancy and mass assignment are enforced."""

import pytest

from educatenext.extensions import mongo
from tests.factories import PASSWORD


def create(client, headers, **overrides):
    """POST /users with a valid payload plus overrides."""
    payload = {
        "name": "Ada Lovelace",
        "email": "ada@a.test",
        "password": "analytical engine",
        "role": "teacher",
    }
    return client.post("/api/v1/users", json={**payload, **overrides}, headers=headers)


def test_admin_creates_a_teacher_who_can_log_in(client, auth_headers, login, app):
    response = create(client, auth_headers("admin"))
    assert response.status_code == 201
    body = response.get_json()
    user = body["user"]
    assert body["message"] == "User created."
    assert user["id"] == user["_id"]
    assert user["role"] == "teacher"
    assert user["status"] == "active"
    assert user["createdAt"].endswith("Z")
    assert "password" not in user
    assert "passwordHash" not in user
    assert login("ada@a.test", "analytical engine")["user"]["role"] == "teacher"
    with app.app_context():
        stored = mongo.db.users.find_one({"email": "ada@a.test"})
    assert stored["institutionId"] == user_school(auth_headers, client)
    assert stored["passwordHash"].startswith("$argon2id$")


def user_school(auth_headers, client):
    """The admin's institution id, as stored."""
    from bson import ObjectId

    me = client.get("/api/v1/auth/me", headers=auth_headers("admin")).get_json()["user"]
    return ObjectId(me["institutionId"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"institutionId": "64b000000000000000000001"}, "institutionId"),
        ({"_id": "64b000000000000000000001"}, "_id"),
        ({"passwordHash": "x"}, "passwordHash"),
        ({"status": "active"}, "status"),
        ({"role": "super_admin"}, "role"),
        ({"role": "principal"}, "role"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "password1"}, "password"),
        ({"studentId": "nope"}, "studentId"),
    ],
)
def test_protected_and_invalid_fields_are_rejected(client, auth_headers, app, overrides, field):
    response = create(client, auth_headers("admin"), **overrides)
    assert response.status_code == 400
    assert field in {d["field"] for d in response.get_json()["details"]}
    with app.app_context():
        assert mongo.db.users.count_documents({"email": "ada@a.test"}) == 0


def test_duplicate_email_is_409_even_across_schools(client, auth_headers):
    assert create(client, auth_headers("admin")).status_code == 201
    response = create(client, auth_headers("admin", "b"), email="ADA@a.test")
    assert response.status_code == 409
    assert response.get_json()["code"] == "DUPLICATE_KEY"


def test_legacy_role_names_are_mapped(client, auth_headers, app, login):
    response = create(client, auth_headers("admin"), role="Accountant")
    assert response.get_json()["user"]["role"] == "finance"
    with app.app_context():
        mongo.db.users.update_one({"email": "admin@a.test"}, {"$set": {"role": "Administrator"}})
    token = login("admin@a.test")["token"]
    listing = client.get("/api/v1/users", headers={"x-auth-token": token})
    assert listing.status_code == 200
    assert {"admin"} == {u["role"] for u in listing.get_json() if u["email"] == "admin@a.test"}


def test_list_filters_search_and_sorts_within_the_school(client, auth_headers):
    headers = auth_headers("admin")
    everyone = client.get("/api/v1/users?limit=100", headers=headers)
    assert everyone.headers["X-Total-Count"] == "6"
    assert all(u["email"].endswith("@a.test") for u in everyone.get_json())
    names = [u["name"] for u in everyone.get_json()]
    assert names == sorted(names)
    teachers = client.get("/api/v1/users?role=Teacher", headers=headers).get_json()
    assert [u["email"] for u in teachers] == ["teacher@a.test"]
    found = client.get("/api/v1/users?q=par", headers=headers).get_json()
    assert [u["email"] for u in found] == ["parent@a.test"]
    newest_first = client.get("/api/v1/users?sort=-createdAt", headers=headers).get_json()
    assert newest_first[0]["email"] == "cashier@a.test"


@pytest.mark.parametrize("query", ["q=.*", "q=(a+)+$", "q=%5BA-Z%5D", "q=Te.cher"])
def test_search_is_a_literal_anchored_prefix(client, auth_headers, query):
    response = client.get(f"/api/v1/users?{query}", headers=auth_headers("admin"))
    assert response.status_code == 200
    assert response.get_json() == []


@pytest.mark.parametrize(
    "query", ["q=" + "a" * 51, "sort=passwordHash", "institutionId=x", "q=%00"]
)
def test_unknown_or_unsafe_query_parameters_are_400(client, auth_headers, query):
    response = client.get(f"/api/v1/users?{query}", headers=auth_headers("admin"))
    assert response.status_code == 400
    assert response.get_json()["details"][0]["location"] == "query"


def test_other_schools_users_are_404(client, auth_headers, world):
    other = world["b"]["teacher"]["_id"]
    headers = auth_headers("admin")
    assert client.get(f"/api/v1/users/{other}", headers=headers).status_code == 404
    assert (
        client.patch(f"/api/v1/users/{other}", json={"name": "x"}, headers=headers).status_code
        == 404
    )
    assert client.delete(f"/api/v1/users/{other}", headers=headers).status_code == 404
    assert client.get("/api/v1/users/not-an-id", headers=headers).status_code == 404


def test_update_and_deactivate_take_effect_on_the_next_request(client, auth_headers, world, login):
    teacher = world["a"]["teacher"]["_id"]
    teacher_token = {"x-auth-token": login("teacher@a.test")["token"]}
    assert client.get("/api/v1/auth/me", headers=teacher_token).status_code == 200
    headers = auth_headers("admin")
    renamed = client.patch(f"/api/v1/users/{teacher}", json={"name": "Ms Teacher"}, headers=headers)
    assert renamed.get_json()["user"]["name"] == "Ms Teacher"
    assert (
        client.get("/api/v1/auth/me", headers=teacher_token).get_json()["user"]["name"]
        == "Ms Teacher"
    )
    promoted = client.patch(f"/api/v1/users/{teacher}", json={"role": "admin"}, headers=headers)
    assert promoted.get_json()["user"]["role"] == "admin"
    assert client.get("/api/v1/users", headers=teacher_token).status_code == 200
    client.patch(f"/api/v1/users/{teacher}", json={"role": "teacher"}, headers=headers)
    assert client.get("/api/v1/users", headers=teacher_token).status_code == 403
    response = client.delete(f"/api/v1/users/{teacher}", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["user"]["status"] == "inactive"
    assert client.get("/api/v1/auth/me", headers=teacher_token).status_code == 401
    login("teacher@a.test", PASSWORD, expect=400)


def test_admins_cannot_demote_or_deactivate_themselves(client, auth_headers, world):
    me = world["a"]["admin"]["_id"]
    response = client.patch(
        f"/api/v1/users/{me}", json={"status": "inactive"}, headers=auth_headers("admin")
    )
    assert response.status_code == 409
    assert (
        client.get(f"/api/v1/users/{me}", headers=auth_headers("admin")).get_json()["status"]
        == "active"
    )


def test_teacher_links_are_stored(client, auth_headers, world):
    teacher = world["a"]["teacher"]["_id"]
    classroom = "64b0000000000000000000c1"
    response = client.patch(
        f"/api/v1/users/{teacher}",
        json={"classroomIds": [classroom]},
        headers=auth_headers("admin"),
    )
    assert response.get_json()["user"]["classroomIds"] == [classroom]
