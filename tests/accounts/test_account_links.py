"""Account links: however a student or parent account is made, the apps' calls work at once."""

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from tests import factories
from tests.factories import PASSWORD

PATHS = ("post_user", "invitation", "patch_user", "patch_student")


@pytest.fixture
def school(api, world):
    """Admin and teacher callers of school A, its classroom, and a new enrolled student record."""
    admin = api("admin")
    room = str(world["a"]["classroom"]["_id"])
    created = admin.post("/students", json=factories.student("Nia New", classroomId=room))
    assert created.status_code == 201, created.get_data(as_text=True)
    return {"admin": admin, "teacher": api("teacher"), "room": room,
            "record": created.get_json()["student"]["id"]}  # fmt: skip


def make_account(client, school, path, role, email):
    """Create a student or parent account for school['record'] by one of the four paths."""
    admin, record = school["admin"], school["record"]
    link = {"studentId": record} if role == "student" else {"childStudentIds": [record]}
    account = {"name": "Nia Account", "email": email, "password": PASSWORD, "role": role}
    if path == "post_user":
        response = admin.post("/users", json={**account, **link})
        assert response.status_code == 201, response.get_data(as_text=True)
    elif path == "invitation":
        invited = admin.post("/invitations", json={"email": email, "role": role, **link})
        assert invited.status_code == 201, invited.get_data(as_text=True)
        registered = client.post(
            "/api/v1/auth/register",
            json={"name": "Nia Account", "email": email, "password": PASSWORD,
                  "invitationToken": invited.get_json()["token"]},
        )  # fmt: skip
        assert registered.status_code == 201, registered.get_data(as_text=True)
    else:
        created = admin.post("/users", json=account)
        assert created.status_code == 201, created.get_data(as_text=True)
        user_id = created.get_json()["user"]["id"]
        if path == "patch_user":
            response = admin.patch(f"/users/{user_id}", json=link)
        else:
            side = {"userId": user_id} if role == "student" else {"guardianUserIds": [user_id]}
            response = admin.patch(f"/students/{record}", json=side)
        assert response.status_code == 200, response.get_data(as_text=True)


def caller(client, email):
    """Log in as the new account; a function calling /api/v1 with its token."""
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}

    def call(method, path, **kwargs):
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call, login.get_json()["user"]


def publish_a_grade(school, world):
    """The teacher enters and publishes one grade for the record."""
    grade = school["teacher"].post(
        "/grades",
        json={"studentId": school["record"], "subjectId": str(world["a"]["subject"]["_id"]),
              "classroomId": school["room"], "academicYear": "2025-2026", "semester": "first",
              "gradeType": "exam", "title": "Mid-term", "maxMarks": 100, "obtainedMarks": 80},
    )  # fmt: skip
    assert grade.status_code == 201, grade.get_data(as_text=True)
    published = school["teacher"].post(
        "/grades/publish", json={"gradeIds": [grade.get_json()["grade"]["id"]]}
    )
    assert published.status_code == 200, published.get_data(as_text=True)


@pytest.mark.parametrize("path", PATHS)
def test_a_new_student_account_sees_its_own_record_grades_attendance_and_work(
    client, school, world, db, path
):
    make_account(client, school, path, "student", "nia@a.test")
    call, user = caller(client, "nia@a.test")
    record = school["record"]
    assert db.students.find_one({"_id": ObjectId(record)})["userId"] == ObjectId(user["id"])
    assert db.users.find_one({"_id": ObjectId(user["id"])})["studentId"] == ObjectId(record)

    assert call("GET", f"/students/{record}").status_code == 200
    assert [s["id"] for s in call("GET", "/students").get_json()] == [record]
    publish_a_grade(school, world)
    grades = call("GET", f"/grades/student/{record}")
    assert grades.status_code == 200, grades.get_data(as_text=True)

    qr = call("POST", f"/qr/generate/{user['id']}", json={"userType": "student"})
    assert qr.status_code == 201, qr.get_data(as_text=True)
    session = school["teacher"].post(
        "/attendance/sessions/start", json={"classroomId": school["room"]}
    )
    scan = school["teacher"].post(
        "/attendance/sessions/scan",
        json={"qrData": qr.get_json()["qrData"], "sessionId": session.get_json()["session"]["id"]},
    )
    assert scan.status_code == 201, scan.get_data(as_text=True)
    attendance = call("GET", "/attendance").get_json()
    assert [row["studentId"] for row in attendance] == [record]

    due = (datetime.now(UTC) + timedelta(days=2)).isoformat().replace("+00:00", "Z")
    assignment = school["teacher"].post(
        "/assignments", json={"classroomId": school["room"], "title": "Essay", "dueDate": due}
    )
    work = assignment.get_json()["assignment"]["id"]
    submitted = call("POST", f"/assignments/{work}/submit", json={"content": "done"})
    assert submitted.status_code == 201, submitted.get_data(as_text=True)


@pytest.mark.parametrize("path", PATHS)
def test_a_new_parent_account_sees_its_child(client, school, world, db, path):
    make_account(client, school, path, "parent", "nia.parent@a.test")
    call, user = caller(client, "nia.parent@a.test")
    record = school["record"]
    guardians = db.students.find_one({"_id": ObjectId(record)})["guardianUserIds"]
    assert guardians == [ObjectId(user["id"])]
    assert db.users.find_one({"_id": ObjectId(user["id"])})["childStudentIds"] == [ObjectId(record)]

    assert call("GET", f"/students/{record}").status_code == 200
    assert [s["id"] for s in call("GET", "/students").get_json()] == [record]
    publish_a_grade(school, world)
    assert call("GET", f"/grades/student/{record}").status_code == 200


def test_unlinking_either_side_updates_both_and_the_account_loses_sight(client, school, db):
    make_account(client, school, "post_user", "student", "nia@a.test")
    call, user = caller(client, "nia@a.test")
    record = school["record"]
    assert call("GET", f"/students/{record}").status_code == 200  # cached auth context now

    unlinked = school["admin"].patch(f"/users/{user['id']}", json={"studentId": None})
    assert unlinked.status_code == 200
    assert db.students.find_one({"_id": ObjectId(record)})["userId"] is None
    assert call("GET", f"/students/{record}").status_code == 404

    relinked = school["admin"].patch(f"/students/{record}", json={"userId": user["id"]})
    assert relinked.status_code == 200
    assert db.users.find_one({"_id": ObjectId(user["id"])})["studentId"] == ObjectId(record)
    assert call("GET", f"/students/{record}").status_code == 200


def test_a_role_change_drops_links_on_both_sides(client, school, db):
    make_account(client, school, "post_user", "parent", "nia.parent@a.test")
    user = db.users.find_one({"email": "nia.parent@a.test"})
    changed = school["admin"].patch(f"/users/{user['_id']}", json={"role": "teacher"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert db.users.find_one({"_id": user["_id"]})["childStudentIds"] == []
    assert db.students.find_one({"_id": ObjectId(school["record"])})["guardianUserIds"] == []


def test_the_link_rules(client, school, world, db):
    admin, record = school["admin"], school["record"]
    account = {"name": "X", "password": PASSWORD}

    def create(email, **fields):
        return admin.post("/users", json={**account, "email": email, **fields})

    wrong_role = create("t@a.test", role="teacher", studentId=record)
    assert wrong_role.status_code == 400
    assert wrong_role.get_json()["details"][0]["field"] == "studentId"
    assert create("p@a.test", role="student", childStudentIds=[record]).status_code == 400
    foreign = str(world["b"]["student_record"]["_id"])
    assert create("f@a.test", role="student", studentId=foreign).status_code == 400
    assert create("g@a.test", role="parent", childStudentIds=[foreign]).status_code == 400
    assert create("m@a.test", role="parent", childStudentIds=[str(ObjectId())]).status_code == 400
    invite_foreign = admin.post(
        "/invitations", json={"email": "i@a.test", "role": "student", "studentId": foreign}
    )
    assert invite_foreign.status_code == 400
    assert create("one@a.test", role="student", studentId=record).status_code == 201
    second = create("two@a.test", role="student", studentId=record)
    assert second.status_code == 409
    assert db.users.count_documents({"email": {"$in": ["two@a.test", "f@a.test"]}}) == 0
    # An invitation whose record is linked to another account before it is used registers
    # nothing: the links are checked again inside the register transaction.
    later = admin.post("/students", json=factories.student("Lee Later"))
    later_id = later.get_json()["student"]["id"]
    invited = admin.post(
        "/invitations", json={"email": "late@a.test", "role": "student", "studentId": later_id}
    )
    assert invited.status_code == 201
    assert create("first@a.test", role="student", studentId=later_id).status_code == 201
    registered = client.post(
        "/api/v1/auth/register",
        json={"name": "Late", "email": "late@a.test", "password": PASSWORD,
              "invitationToken": invited.get_json()["token"]},
    )  # fmt: skip
    assert registered.status_code == 409
    assert db.users.count_documents({"email": "late@a.test"}) == 0


def test_the_migration_repairs_one_sided_links_and_counts_them_first(app, school, world, db):
    from educatenext.platform.mongo.migrations import apply_pending

    record = ObjectId(school["record"])
    a = world["a"]
    a_id, b_id = a["institution"]["_id"], world["b"]["institution"]["_id"]
    db.users.insert_many([
        {"_id": (only_user := ObjectId()), "role": "student", "institutionId": a_id,
         "email": "one@a.test", "studentId": record, "childStudentIds": []},
        {"_id": (only_parent := ObjectId()), "role": "parent", "institutionId": a_id,
         "email": "two@a.test", "childStudentIds": [record, ObjectId()]},
        {"_id": (foreign := ObjectId()), "role": "parent", "institutionId": b_id,
         "email": "three@b.test", "childStudentIds": []},
    ])  # fmt: skip
    db.students.update_one(
        {"_id": a["student_record"]["_id"]}, {"$push": {"guardianUserIds": foreign}}
    )
    db.users.update_one({"_id": a["parent"]["_id"]}, {"$set": {"childStudentIds": []}})
    db.migrations.delete_one({"_id": "0015_account_links"})

    lines = []
    apply_pending(db, app.config["MIGRATIONS_DIR"], echo=lines.append, dry_run=True)
    assert lines == [
        lines[0],
        "  dangling children removed: 1",
        "  dangling guardians removed: 1",
        "  parent children written: 1",
        "  record guardians written: 1",
        "  record userIds written: 1",
    ]
    assert db.students.find_one({"_id": record}).get("userId") is None  # the dry run wrote nothing

    apply_pending(db, app.config["MIGRATIONS_DIR"], echo=lines.append)
    assert db.students.find_one({"_id": record})["userId"] == only_user
    assert db.students.find_one({"_id": record})["guardianUserIds"] == [only_parent]
    assert db.users.find_one({"_id": only_parent})["childStudentIds"] == [record]
    sam = db.students.find_one({"_id": a["student_record"]["_id"]})
    assert sam["guardianUserIds"] == [a["parent"]["_id"]]
    assert db.users.find_one({"_id": a["parent"]["_id"]})["childStudentIds"] == [sam["_id"]]

    db.migrations.delete_one({"_id": "0015_account_links"})
    again = []
    apply_pending(db, app.config["MIGRATIONS_DIR"], echo=again.append, dry_run=True)
    assert again[1:] == ["  links to repair: 0"]
