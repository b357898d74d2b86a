"""Super-admins manage institutions; everyone else sees only their own."""

from educatenext.extensions import mongo

NEW_SCHOOL = {
    "name": "Greenfield High",
    "code": "greenfield",
    "contactEmail": "Office@Greenfield.test",
    "admin": {
        "name": "Grace Admin",
        "email": "grace@greenfield.test",
        "password": "greenfield admin pass",
    },
}


def test_super_admin_creates_a_school_with_its_first_admin(client, auth_headers, login):
    response = client.post(
        "/api/v1/institutions", json=NEW_SCHOOL, headers=auth_headers("super_admin")
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["institution"]["code"] == "greenfield"
    assert body["institution"]["contactEmail"] == "office@greenfield.test"
    assert body["admin"]["role"] == "admin"
    assert body["admin"]["institutionId"] == body["institution"]["id"]
    session = login("grace@greenfield.test", "greenfield admin pass")
    assert session["user"]["institutionId"] == body["institution"]["id"]


def test_duplicate_code_is_409_and_leaves_no_orphan_admin(client, auth_headers, app):
    headers = auth_headers("super_admin")
    assert client.post("/api/v1/institutions", json=NEW_SCHOOL, headers=headers).status_code == 201
    again = {**NEW_SCHOOL, "admin": {**NEW_SCHOOL["admin"], "email": "second@greenfield.test"}}
    response = client.post("/api/v1/institutions", json=again, headers=headers)
    assert response.status_code == 409
    with app.app_context():
        assert mongo.db.users.count_documents({"email": "second@greenfield.test"}) == 0
        assert mongo.db.institutions.count_documents({"code": "greenfield"}) == 1


def test_weak_first_admin_password_creates_nothing(client, auth_headers, app):
    payload = {**NEW_SCHOOL, "admin": {**NEW_SCHOOL["admin"], "password": "password123"}}
    response = client.post(
        "/api/v1/institutions", json=payload, headers=auth_headers("super_admin")
    )
    assert response.status_code == 400
    with app.app_context():
        assert mongo.db.institutions.count_documents({"code": "greenfield"}) == 0


def test_school_users_see_only_their_school(client, auth_headers, world):
    school_a = str(world["a"]["institution"]["_id"])
    school_b = str(world["b"]["institution"]["_id"])
    listed = client.get("/api/v1/institutions", headers=auth_headers("teacher")).get_json()
    assert [i["id"] for i in listed] == [school_a]
    assert (
        client.get(f"/api/v1/institutions/{school_a}", headers=auth_headers("student")).status_code
        == 200
    )
    assert (
        client.get(f"/api/v1/institutions/{school_b}", headers=auth_headers("student")).status_code
        == 404
    )
    every = client.get("/api/v1/institutions", headers=auth_headers("super_admin"))
    assert every.headers["X-Total-Count"] == "2"


def test_admin_edits_details_but_not_status(client, auth_headers, world):
    school_a = str(world["a"]["institution"]["_id"])
    headers = auth_headers("admin")
    renamed = client.patch(
        f"/api/v1/institutions/{school_a}", json={"name": "School A+"}, headers=headers
    )
    assert renamed.get_json()["institution"]["name"] == "School A+"
    status = client.patch(
        f"/api/v1/institutions/{school_a}", json={"status": "inactive"}, headers=headers
    )
    assert status.status_code == 403
    other = client.patch(
        f"/api/v1/institutions/{world['b']['institution']['_id']}",
        json={"name": "Xavier"},
        headers=headers,
    )
    assert other.status_code == 404


def test_deactivating_a_school_signs_its_users_out(client, auth_headers, world, login):
    teacher = {"x-auth-token": login("teacher@b.test")["token"]}
    school_b = world["b"]["institution"]["_id"]
    response = client.delete(
        f"/api/v1/institutions/{school_b}", headers=auth_headers("super_admin")
    )
    assert response.get_json()["institution"]["status"] == "inactive"
    assert client.get("/api/v1/auth/me", headers=teacher).status_code == 401
    login("teacher@b.test", expect=400)
    reopened = client.patch(
        f"/api/v1/institutions/{school_b}",
        json={"status": "active"},
        headers=auth_headers("super_admin"),
    )
    assert reopened.status_code == 200
    login("teacher@b.test")


def test_filter_by_status(client, auth_headers, world):
    headers = auth_headers("super_admin")
    client.delete(f"/api/v1/institutions/{world['b']['institution']['_id']}", headers=headers)
    inactive = client.get("/api/v1/institutions?status=inactive", headers=headers).get_json()
    assert [i["code"] for i in inactive] == ["school-b"]


def test_super_admin_has_no_tenant_routes(client, auth_headers):
    assert client.get("/api/v1/users", headers=auth_headers("super_admin")).status_code == 403
