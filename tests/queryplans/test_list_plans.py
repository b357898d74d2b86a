"""Every query shape the list endpoints issue is served by an index (explain on the real server)."""

import itertools

from educatenext.extensions import mongo

TENANT_COLLECTIONS = {
    "users",
    "subjects",
    "teachers",
    "classrooms",
    "students",
    "enrollments",
    "invitations",
}


def list_calls():
    """(role, path) for every list endpoint with each allow-listed filter combination."""
    student_filters = ["status=active", "classroomId={classroom}", "q=sa"]
    for size in range(len(student_filters) + 1):
        for combo in itertools.combinations(student_filters, size):
            yield "admin", "/students?" + "&".join(combo)
    yield "admin", "/students?sort=-generatedId"
    for role in ("teacher", "parent", "student", "finance"):
        yield role, "/students"
    yield "teacher", "/students?classroomId={classroom}&status=active"
    for query in ("", "status=active", "q=ma", "status=active&q=ma", "sort=code"):
        yield "admin", f"/subjects?{query}"
    for query in ("", "status=active", "q=te", "status=active&q=te", "sort=employeeId"):
        yield "admin", f"/teachers?{query}"
    for query in (
        "",
        "academicYear=2025-2026",
        "status=active",
        "q=gr",
        "academicYear=2025-2026&status=active",
        "academicYear=2025-2026&q=gr",
        "status=active&q=gr",
        "academicYear=2025-2026&status=active&q=gr",
    ):
        yield "admin", f"/classrooms?{query}"  # fmt: skip
    yield "teacher", "/classrooms"
    for query in (
        "",
        "classroomId={classroom}",
        "classroomId={classroom}&status=active",
        "studentId={student}",
        "studentId={student}&status=active",
        "status=active",
    ):
        yield "admin", f"/enrollments?{query}"  # fmt: skip
    yield "teacher", "/enrollments"
    for query in ("", "role=teacher", "role=teacher&status=active", "q=ad", "sort=-createdAt"):
        yield "admin", f"/users?{query}"
    yield "admin", "/invitations"


def winning_plan(db, collection, filter_, sort):
    """The server's winning plan for a find."""
    command = {"find": collection, "filter": filter_}
    if sort:
        command["sort"] = sort
    return db.command("explain", command)["queryPlanner"]["winningPlan"]


def test_every_list_query_uses_an_index(app, client, world, auth_headers, commands):
    ids = {
        "classroom": world["a"]["classroom"]["_id"],
        "student": world["a"]["student_record"]["_id"],
    }
    calls = list(list_calls())
    for role, path in calls:
        headers = auth_headers(role)
        commands.clear()
        response = client.get("/api/v1" + path.format(**ids), headers=headers)
        assert response.status_code == 200, (role, path, response.get_json())
        with app.app_context():
            for collection, filter_, sort in commands.finds(TENANT_COLLECTIONS):
                if "institutionId" not in filter_:
                    continue  # platform lookups by _id (auth context) are primary-key reads
                plan = str(winning_plan(mongo.db, collection, filter_, sort))
                assert "IXSCAN" in plan, (role, path, collection, filter_, plan)
    assert len(calls) > 40


def test_login_finds_the_user_by_an_index(app, world, login, commands):
    """The email lookup is platform-wide: a scan of every user made login take seconds at scale."""
    commands.clear()
    login("admin@a.test")
    lookups = [(c, f, s) for c, f, s in commands.finds({"users"}) if "email" in f]
    assert lookups
    with app.app_context():
        for collection, filter_, sort in lookups:
            plan = str(winning_plan(mongo.db, collection, filter_, sort))
            assert "COLLSCAN" not in plan, (filter_, plan)
            assert "IXSCAN" in plan, (filter_, plan)
