"""One list rule: every GET answering a bare array pages and sends its totals and links."""

import json
import re

import pytest

from educatenext.accounts.service import insert_user
from educatenext.extensions import api as smorest_api
from educatenext.institutions.service import create_institution
from educatenext.platform.mongo.repository import TenantScope
from educatenext.students.service import create_student
from tests.factories import PASSWORD, admin_identity

LIST_HEADERS = {"X-Total-Count", "Link", "X-Pagination"}


def array_gets(spec):
    """[(path, operation)] of every GET whose 200 answer is an array."""
    found = []
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        schema = operation["responses"].get("200", {}).get("content", {})
        schema = schema.get("application/json", {}).get("schema", {})
        if schema.get("type") == "array":
            found.append((path, operation))
    return found


def test_every_array_get_documents_page_limit_and_list_headers(app):
    with app.app_context():
        lists = array_gets(smorest_api.spec.to_dict())
    assert len(lists) >= 20
    for path, operation in lists:
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert {"page", "limit"} <= names, path
        assert operation["responses"]["200"].get("headers", {}).keys() >= LIST_HEADERS, path


@pytest.fixture
def assignment(api, world):
    """An assignment of school a's classroom, due tomorrow."""
    response = api("teacher").post(
        "/assignments",
        json={
            "title": "Fractions",
            "classroomId": str(world["a"]["classroom"]["_id"]),
            "subjectId": str(world["a"]["subject"]["_id"]),
            "dueDate": "2099-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["assignment"]


def test_every_array_get_answers_the_list_rule(app, api, world, assignment):
    path_values = {
        "classroom_id": str(world["a"]["classroom"]["_id"]),
        "assignment_id": assignment["id"],
    }
    required_query = {
        "classroomId": str(world["a"]["classroom"]["_id"]),
        "startDate": "2025-09-01",
        "endDate": "2026-06-30",
        "academicYear": "2025-2026",
    }
    with app.app_context():
        lists = array_gets(smorest_api.spec.to_dict())
    for path, operation in lists:
        url = re.sub(r"\{(\w+)\}", lambda m: path_values[m.group(1)], path)[len("/api/v1") :]
        query = {
            parameter["name"]: required_query[parameter["name"]]
            for parameter in operation.get("parameters", [])
            if parameter.get("in") == "query" and parameter.get("required")
        }
        query.update(page=1, limit=2)
        caller = "super_admin" if path.endswith("/institutions") else "admin"
        response = api(caller).get(url, query_string=query)
        assert response.status_code == 200, (path, response.get_json())
        assert isinstance(response.get_json(), list), path
        assert len(response.get_json()) <= 2, path
        assert set(response.headers.keys()) >= LIST_HEADERS, path
        meta = json.loads(response.headers["X-Pagination"])
        assert meta["limit"] == 2, path
        assert meta["page"] == 1, path
        assert int(response.headers["X-Total-Count"]) == meta["total"], path


@pytest.fixture
def big_school(app, world):
    """School a with 60 students (one from the fixture, 59 more)."""
    with app.app_context():
        identity = admin_identity(world["a"])
        for number in range(59):
            create_student(identity, {"name": f"Pupil {number:02d}", "admissionYear": 2025})
    return world


def test_legacy_alias_without_paging_answers_the_whole_list(client, auth_headers, big_school):
    headers = auth_headers("admin")
    paged = client.get("/api/v1/students", headers=headers)
    assert len(paged.get_json()) == 20
    assert paged.headers["X-Total-Count"] == "60"
    whole = client.get("/api/students", headers=headers)
    assert len(whole.get_json()) == 60  # the dashboard's .length
    assert whole.headers["X-Total-Count"] == "60"
    assert 'page=1&limit=100>; rel="first"' in whole.headers["Link"]
    assert 'rel="next"' not in whole.headers["Link"]
    # Both come from the cache now, each still its own answer.
    assert len(client.get("/api/v1/students", headers=headers).get_json()) == 20
    assert len(client.get("/api/students", headers=headers).get_json()) == 60
    assert len(client.get("/api/students?limit=5", headers=headers).get_json()) == 5
    assert len(client.get("/api/students?page=2", headers=headers).get_json()) == 20


def test_legacy_whole_list_is_capped(make_app):
    app = make_app(LEGACY_LIST_CAP=3)
    client = app.test_client()
    with app.app_context():
        institution, _ = create_institution({"name": "Capped", "code": "capped"})
        school = {"institution": institution}
        school["admin"] = insert_user(
            TenantScope.of(institution["_id"]),
            {"name": "Cap Admin", "email": "cap@c.test", "password": PASSWORD, "role": "admin"},
        )
        identity = admin_identity(school)
        for number in range(5):
            create_student(identity, {"name": f"Kid {number}", "admissionYear": 2025})
    token = client.post(
        "/api/auth/login", json={"email": "cap@c.test", "password": PASSWORD}
    ).get_json()["token"]
    response = client.get("/api/students", headers={"x-auth-token": token})
    assert len(response.get_json()) == 3
    assert response.headers["X-Total-Count"] == "5"
    assert 'rel="next"' in response.headers["Link"]
