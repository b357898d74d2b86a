"""Students: contract shape, generated ids, sensitive fields, row-level rules, bulk, lifecycle."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from educatenext.extensions import mongo
from tests import factories

SUMMARY_KEYS = {"_id", "id", "name", "generatedId", "admissionYear", "classroomId", "status"}


def test_web_client_list_shape(client, world, auth_headers):
    response = client.get(
        "/api/students", headers={"x-auth-token": auth_headers("admin")["Authorization"][7:]}
    )
    assert response.status_code == 200
    [student] = response.get_json()
    assert set(student) == SUMMARY_KEYS
    assert student["id"] == student["_id"] == str(world["a"]["student_record"]["_id"])
    classroom = str(world["a"]["classroom"]["_id"])
    assert student["classroomId"] == {"_id": classroom, "id": classroom, "name": "Grade 5 A"}
    assert re.match(r"^S2025-\d{5}$", student["generatedId"])
    assert response.headers["X-Total-Count"] == "1"


def test_create_returns_the_detail_and_stores_calendar_days(api, app):
    response = api().post(
        "/students",
        json={"name": "Nia Newcomer", "admissionYear": 2025, "dateOfBirth": "2015-03-02",
              "guardianInfo": [{"name": "Pat", "phone": "+1 555 0100"}], "medicalNotes": "Asthma"},
    )  # fmt: skip
    assert response.status_code == 201, response.get_data(as_text=True)
    student = response.get_json()["student"]
    assert student["dateOfBirth"] == "2015-03-02"
    assert student["classroomId"] is None
    assert student["medicalNotes"] == "Asthma"
    with app.app_context():
        stored = mongo.db.students.find_one({"name": "Nia Newcomer"})
    assert stored["dateOfBirth"].isoformat() == "2015-03-02T00:00:00+00:00"
    assert stored["nameLower"] == "nia newcomer"


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("admin", {"medicalNotes", "nationalId"}),
        ("teacher", {"medicalNotes"}),
        ("parent", {"medicalNotes"}),
        ("student", set()),
        ("finance", set()),
    ],
)
def test_sensitive_fields_by_role(api, world, role, visible):
    student_id = world["a"]["student_record"]["_id"]
    body = api(role).get(f"/students/{student_id}").get_json()
    assert body["name"] == "Sam Student"
    assert {"medicalNotes", "nationalId"} & body.keys() == visible


def test_row_level_rules(api, world):
    admin = api()
    other_room = admin.post(
        "/classrooms", json={"name": "Grade 6 B", "academicYear": "2025-2026", "capacity": 5}
    )
    other_room_id = other_room.get_json()["classroom"]["id"]
    admin.post(
        "/students",
        json=factories.student("Olly Other", classroomId=other_room_id),
    )
    admin.post("/students", json=factories.student("Una Unplaced"))

    def names(role, query=""):
        return sorted(s["name"] for s in api(role).get(f"/students{query}").get_json())

    assert names("admin") == ["Olly Other", "Sam Student", "Una Unplaced"]
    assert names("finance") == ["Olly Other", "Sam Student", "Una Unplaced"]
    assert names("teacher") == ["Sam Student"]
    assert names("teacher", f"?classroomId={other_room_id}") == []
    assert names("parent") == ["Sam Student"]
    assert names("student") == ["Sam Student"]
    olly = next(s for s in admin.get("/students").get_json() if s["name"] == "Olly Other")
    for role in ("teacher", "parent", "student"):
        assert api(role).get(f"/students/{olly['id']}").status_code == 404
    assert api("admin", "b").get("/students").get_json()[0]["name"] == "Sam Student"
    assert api("admin", "b").get(f"/students/{olly['id']}").status_code == 404


def test_concurrent_creates_get_distinct_generated_ids(app, auth_headers, world):
    headers = auth_headers("admin")

    def create(number):
        with app.test_client() as client:
            response = client.post(
                "/api/v1/students",
                json={"name": f"Kid {number}", "admissionYear": 2026},
                headers=headers,
            )
            return response.status_code, response.get_json()["student"]["generatedId"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(create, range(50)))
    assert {status for status, _ in results} == {201}
    ids = [generated for _, generated in results]
    assert len(set(ids)) == 50
    assert sorted(ids) == [f"S2026-{n:05d}" for n in range(1, 51)]


def test_bulk_create_reports_each_item(api, app):
    items = [
        factories.student("Bulk One"),
        factories.student(""),
        factories.student("Bulk Three", institutionId="64b000000000000000000001"),
        factories.student("Bulk Four", classroomId="64b000000000000000000001"),
        factories.student("Bulk Five"),
    ]
    response = api().post("/students/bulk", json={"students": items})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["succeeded"], body["failed"]) == (2, 3)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["created", "error", "error", "error", "created"]
    assert body["results"][1]["error"]["details"][0]["field"] == "name"
    assert body["results"][3]["error"]["code"] == "VALIDATION_ERROR"
    with app.app_context():
        assert mongo.db.students.count_documents({"name": {"$regex": "^Bulk"}}) == 2
    assert api().post("/students/bulk", json={"students": []}).status_code == 400


def test_leaving_ends_the_enrollment_and_keeps_history(api, world, app):
    student_id = world["a"]["student_record"]["_id"]
    response = api().patch(f"/students/{student_id}", json={"status": "graduated"})
    assert response.status_code == 200
    assert response.get_json()["student"]["classroomId"] is None
    with app.app_context():
        enrollment = mongo.db.enrollments.find_one({"studentId": student_id})
        classroom = mongo.db.classrooms.find_one({"_id": world["a"]["classroom"]["_id"]})
    assert enrollment["status"] == "withdrawn"
    assert classroom["enrolledCount"] == 0
    assert api().delete(f"/students/{student_id}").get_json()["student"]["status"] == "inactive"
    assert api().get(f"/students/{student_id}").status_code == 200


def test_account_links_are_validated_and_synced(api, world, app, client, login):
    student_id = world["a"]["student_record"]["_id"]
    teacher_user = str(world["a"]["teacher"]["_id"])
    wrong = api().patch(f"/students/{student_id}", json={"userId": teacher_user})
    assert wrong.status_code == 400
    wrong_parent = api().patch(f"/students/{student_id}", json={"guardianUserIds": [teacher_user]})
    assert wrong_parent.status_code == 400
    assert api().patch(f"/students/{student_id}", json={"guardianUserIds": []}).status_code == 200
    assert api("parent").get("/students").get_json() == []
    with app.app_context():
        parent = mongo.db.users.find_one({"_id": world["a"]["parent"]["_id"]})
    assert parent["childStudentIds"] == []


def test_filters_sorts_and_search(api):
    admin = api()
    for name in ("Zed Zulu", "Amy Alpha", "amelia Apple"):
        admin.post("/students", json=factories.student(name, admissionYear=2024))
    names = [s["name"] for s in admin.get("/students?q=AM&sort=name").get_json()]
    assert names == ["amelia Apple", "Amy Alpha"]
    assert [s["name"] for s in admin.get("/students?sort=-name&limit=1").get_json()] == ["Zed Zulu"]
    assert len(admin.get("/students?status=active").get_json()) == 4
    assert admin.get("/students?q=(a|b)*").get_json() == []
    assert admin.get("/students?sort=medicalNotes").status_code == 400
    assert admin.get("/students?classroomId=nope").status_code == 400
