"""Every route declares a permission; every route x role x institution behaves accordingly."""

import re

import pytest

from educatenext.auth.permissions import declared_permission
from educatenext.auth.roles import ROLES

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def api_routes(app):
    """(rule, method) for every routed method of the app."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & set(METHODS)):
            yield rule, method


def test_every_route_declares_a_permission(app):
    missing = []
    with app.test_request_context():
        for rule, method in api_routes(app):
            if declared_permission(rule.endpoint, method) is None:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_permissions_are_in_the_openapi_spec(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in {m.lower() for m in METHODS}:
                continue
            if operation["security"]:
                assert operation["x-roles"], (method, path)
                assert "Roles:" in operation.get("description", "") or "Roles:" in operation.get(
                    "summary", ""
                ), (
                    method,
                    path,
                )
            else:
                public_prefixes = ("/health", "/ready", "/metrics", "/api/v1/auth/",
                                   "/api/v1/cms/public/")  # fmt: skip
                assert path.startswith(public_prefixes), (
                    method,
                    path,
                )


def fill(rule, world, school):
    """A URL for the rule with ids from the given school."""
    ids = {
        "user_id": world[school]["teacher"]["_id"],
        "institution_id": world[school]["institution"]["_id"],
        "invitation_id": "64b000000000000000000099",
        "subject_id": world[school]["subject"]["_id"],
        "teacher_id": world[school]["teacher_profile"]["_id"],
        "classroom_id": world[school]["classroom"]["_id"],
        "student_id": world[school]["student_record"]["_id"],
        "enrollment_id": world[school]["enrollment"]["_id"],
    }
    unknown = "64b000000000000000000099"  # sessions, grades, reports, QR payloads: a 404 or 400
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), unknown)), rule.rule)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_own_and_other_institution(app, client, world, auth_headers, role):
    """Declared roles pass the permission check; others get 403; other schools' ids are 404."""
    headers = auth_headers(role)
    checked = 0
    with app.test_request_context():
        routes = [
            (rule, method, declared_permission(rule.endpoint, method))
            for rule, method in api_routes(app)
            if rule.rule.startswith("/api/v1/") and "openapi" not in rule.rule
        ]
    for rule, method, permission in routes:
        if permission.public or rule.rule in {
            "/api/v1/auth/logout",
            "/api/v1/auth/change-password",
        }:
            continue
        response = client.open(fill(rule, world, "a"), method=method, json={}, headers=headers)
        if role in permission.roles:
            assert response.status_code not in (401, 403) or _service_level_refusal(
                rule, method, role
            ), (
                method,
                rule.rule,
                role,
                response.get_json(),
            )
            if "<" in rule.rule and role != "super_admin":
                other = client.open(
                    fill(rule, world, "b"),
                    method=method,
                    json={"name": "Other Name"},
                    headers=headers,
                )
                assert other.status_code in (400, 404), (method, rule.rule, role, other.status_code)
        else:
            assert response.status_code == 403, (method, rule.rule, role, response.status_code)
        checked += 1
    assert checked >= 10


def _service_level_refusal(rule, method, role):
    """Declared-allowed calls that a service rule may still refuse (e.g. admins changing status)."""
    return (
        rule.rule == "/api/v1/institutions/<institution_id>"
        and method == "PATCH"
        and role == "admin"
    )


def test_unauthenticated_calls_are_401_everywhere_but_public_routes(app, client):
    with app.test_request_context():
        routes = [(r, m, declared_permission(r.endpoint, m)) for r, m in api_routes(app)]
    for rule, method, permission in routes:
        if permission.public:
            continue
        response = client.open(
            re.sub(r"<(?:\w+:)?\w+>", "64b000000000000000000001", rule.rule), method=method
        )
        assert response.status_code == 401, (method, rule.rule)
        assert response.get_json()["code"] == "UNAUTHORIZED"


def test_a_route_without_a_declaration_fails_closed(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/api/v1/undeclared")
    def undeclared():
        return {"leaked": True}

    response = app.test_client().get("/api/v1/undeclared")
    assert response.status_code == 500
    assert "leaked" not in response.get_data(as_text=True)
