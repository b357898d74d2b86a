"""Attack corpora: NoSQL injection, JWT tampering, tenant sweep with a canary, mass assignment."""

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from educatenext.extensions import mongo
from tests import factories
from tests.auth.test_permissions import api_routes

pytestmark = pytest.mark.security

INJECTIONS = [
    {"$gt": ""},
    {"$ne": None},
    {"$where": "sleep(100)"},
    {"$regex": ".*"},
    {"$in": [1]},
    "'; return true; var x='",
    "1; db.dropDatabase()",
    {"a.b": 1},
    ["$ne", 1],
]
CREATES = {
    "/students": factories.student("Inj"),
    "/subjects": {"name": "Inj", "code": "INJ"},
    "/fees/structures": {
        "name": "Inj",
        "academicYear": "2025-2026",
        "heads": [{"code": "tuition", "name": "Tuition", "amountMinor": 100}],
        "instalments": [{"dueDate": "2026-01-15"}],
    },
    "/auth/login": {"email": "admin@a.test", "password": "x" * 10},
    "/grades": {
        "studentId": "x",
        "subjectId": "x",
        "classroomId": "x",
        "academicYear": "2025-2026",
        "semester": "first",
        "gradeType": "exam",
        "title": "t",
        "maxMarks": 10,
        "obtainedMarks": 5,
    },
}


def counts(app):
    """Documents per collection (to prove nothing changed)."""
    with app.app_context():
        db = mongo.db
        return {
            name: db[name].count_documents({})
            for name in db.list_collection_names()
            if name != "audit_events"
        }


def test_nosql_injection_in_every_json_position(app, api, world):
    """Operators and paths are refused; strings are stored as the literal text they are."""
    admin = api()
    admin.get("/auth/me")  # log in before counting
    before = counts(app)
    for path, valid in CREATES.items():
        for field in valid:
            for payload in (p for p in INJECTIONS if not isinstance(p, str)):
                response = admin.post(path, json={**valid, field: payload})
                assert response.status_code in (400, 401), (
                    path,
                    field,
                    payload,
                    response.status_code,
                )
                assert "Sam Student" not in response.get_data(as_text=True)
    assert counts(app) == before
    for text in (p for p in INJECTIONS if isinstance(p, str)):
        created = admin.post("/students", json=factories.student(text))
        assert created.status_code == 201
        with app.app_context():
            assert mongo.db.students.find_one({"name": text})["name"] == text


def test_nosql_injection_in_query_keys_values_and_path_segments(api, world):
    for query in (
        "name[$ne]=x",
        "$where=1",
        "status[$gt]=",
        "q[$regex]=.*",
        "classroomId[$ne]=1",
        "q=%24ne",
    ):
        response = api().get(f"/students?{query}")
        assert response.status_code in (200, 400), query
        if response.status_code == 200:
            assert response.get_json() == []  # a literal search, never an operator
    for segment in ('{"$ne":null}', "$ne", "[$gt]", "..%2f..%2fusers", "a" * 300):
        response = api().get(f"/students/{quote(segment, safe='')}")
        assert response.status_code == 404, segment


def test_jwt_attack_corpus(app, client, world, login):
    session = login("teacher@a.test")
    claims = jwt.decode(session["token"], options={"verify_signature": False})
    secret = app.config["JWT_SECRET"]
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    attacks = {
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "wrong key": jwt.encode(claims, "x" * 40, algorithm="HS256"),
        "RS256 with an attacker key": jwt.encode(claims, rsa_key, algorithm="RS256"),
        "HS512 (not allowed)": jwt.encode(claims, secret * 2, algorithm="HS512"),
        "missing exp": jwt.encode(
            {k: v for k, v in claims.items() if k != "exp"}, secret, algorithm="HS256"
        ),
        "wrong aud": jwt.encode({**claims, "aud": "other"}, secret, algorithm="HS256"),
        "expired": jwt.encode(
            {**claims, "exp": now - timedelta(seconds=60)}, secret, algorithm="HS256"
        ),
        "refresh token as access token": session["refreshToken"],
    }
    header, payload, signature = session["token"].split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"teacher"', b'"admin"')
    )
    attacks["tampered payload"] = f"{header}.{forged.decode()}.{signature}"
    for name, token in attacks.items():
        for headers in ({"Authorization": f"Bearer {token}"}, {"x-auth-token": token}):
            assert client.get("/api/v1/auth/me", headers=headers).status_code == 401, name


def test_tenant_sweep_with_a_canary(app, api, world):
    """School A's callers, on every GET route with school B's ids: 404 and never B's canary."""
    school_b = world["b"]
    api("admin", "b").patch(
        f"/students/{school_b['student_record']['_id']}", json={"name": "CANARY-B-7f3a"}
    )
    ids = {
        "user_id": school_b["teacher"]["_id"],
        "institution_id": school_b["institution"]["_id"],
        "subject_id": school_b["subject"]["_id"],
        "teacher_id": school_b["teacher_profile"]["_id"],
        "classroom_id": school_b["classroom"]["_id"],
        "student_id": school_b["student_record"]["_id"],
        "enrollment_id": school_b["enrollment"]["_id"],
    }
    with app.test_request_context():
        routes = [rule for rule, method in api_routes(app) if method == "GET" and "<" in rule.rule]
    period = {"academicYear": "2025-2026", "startDate": "2025-01-01", "endDate": "2025-12-31"}
    swept = 0
    for rule in routes:
        names = re.findall(r"<(?:\w+:)?(\w+)>", rule.rule)
        if not set(names) <= set(ids):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        path = path.removeprefix("/api/v1")
        for role in ("admin", "teacher", "student", "parent", "finance"):
            response = api(role).get(path)
            if response.status_code == 400:  # routes that need a period or a year: ask properly
                wanted = {d["field"] for d in response.get_json()["details"]}
                response = api(role).get(
                    path, query_string={k: v for k, v in period.items() if k in wanted}
                )
            assert response.status_code in (403, 404), (path, role, response.status_code)
            assert "CANARY-B" not in response.get_data(as_text=True)
            swept += 1
    for listing in (
        "/students",
        "/users",
        "/teachers",
        "/classrooms",
        "/enrollments",
        "/audit-events",
    ):
        assert "CANARY-B" not in api().get(listing + "?limit=100").get_data(as_text=True)
    assert swept > 40


def test_mass_assignment_is_rejected_and_changes_nothing(app, api, world):
    student = str(world["a"]["student_record"]["_id"])
    api().get("/auth/me")  # log in before counting
    before = counts(app)
    for field, value in (
        ("institutionId", str(world["b"]["institution"]["_id"])),
        ("_id", "64b000000000000000000001"),
        ("generatedId", "S0000-00001"),
        ("enrolledCount", 99),
        ("passwordHash", "x"),
        ("role", "super_admin"),
        ("percentage", 100),
    ):
        for path, body in (
            (f"/students/{student}", {}),
            ("/subjects", {"name": "M", "code": "MM"}),
        ):
            method = api().patch if path.startswith("/students/") else api().post
            assert method(path, json={**body, field: value}).status_code == 400, (path, field)
    with app.app_context():
        stored = mongo.db.students.find_one({"_id": world["a"]["student_record"]["_id"]})
    assert stored["institutionId"] == world["a"]["institution"]["_id"]
    assert counts(app) == before


def test_bandit_finds_nothing_medium_or_high():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", "educatenext", "-ll", "-f", "txt"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
