"""Grades, publishing, the student view, weighted GPA and report cards (hand-computed)."""

from datetime import UTC, datetime, timedelta

import pytest

from educatenext.extensions import mongo
from tests import factories


@pytest.fixture
def gradebook(api, world, app):
    """Math and Science grades for Sam (and a weaker classmate), via the API as the teacher."""
    room = str(world["a"]["classroom"]["_id"])
    math = str(world["a"]["subject"]["_id"])
    science = (
        api().post("/subjects", json={"name": "Science", "code": "SCI"}).get_json()["subject"]["id"]
    )
    sam = str(world["a"]["student_record"]["_id"])
    kim = (
        api()
        .post("/students", json=factories.student("Kim", classroomId=room))
        .get_json()["student"]["id"]
    )
    base = {"classroomId": room, "academicYear": "2025-2026", "semester": "first"}

    def grade(student, subject, kind, obtained, maximum, weight=1):
        payload = {
            **base,
            "studentId": student,
            "subjectId": subject,
            "gradeType": kind,
            "title": kind,
            "obtainedMarks": obtained,
            "maxMarks": maximum,
            "weightage": weight,
        }
        response = api("teacher").post("/grades", json=payload)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()["grade"]

    grades = [
        grade(sam, math, "exam", 86.5, 100, 2),  # 86.5 %
        grade(sam, math, "quiz", 7, 10),  # 70 %  -> math (86.5*2 + 70) / 3 = 81.0 -> A, 3.7
        grade(sam, science, "exam", 45, 50),  # 90 % -> A+, 4.0
        grade(kim, math, "exam", 50, 100),  # 50 % -> C+, 2.7
    ]
    return {
        "sam": sam,
        "kim": kim,
        "math": math,
        "science": science,
        "grades": grades,
        "room": room,
    }


def test_scores_are_computed_never_accepted(api, gradebook):
    first = gradebook["grades"][0]
    assert (first["percentage"], first["letterGrade"], first["gradePoint"]) == (86.5, "A", 3.7)
    assert first["published"] is False
    payload = {
        "studentId": gradebook["sam"],
        "subjectId": gradebook["math"],
        "classroomId": gradebook["room"],
        "academicYear": "2025-2026",
        "semester": "first",
        "gradeType": "exam",
        "title": "x",
        "maxMarks": 10,
        "obtainedMarks": 11,
    }
    too_many = api("teacher").post("/grades", json=payload)
    assert too_many.get_json()["details"][0]["field"] == "obtainedMarks"
    forged = api("teacher").post("/grades", json={**payload, "obtainedMarks": 5, "percentage": 100})
    assert forged.get_json()["details"][0]["field"] == "percentage"
    stranger = api().post("/students", json=factories.student("New")).get_json()["student"]["id"]
    assert (
        api("teacher")
        .post("/grades", json={**payload, "obtainedMarks": 5, "studentId": stranger})
        .status_code
        == 409
    )


def test_students_see_published_grades_only_by_student_or_user_id(api, world, gradebook):
    sam_user = str(world["a"]["student"]["_id"])
    assert api("student").get(f"/grades/student/{sam_user}").get_json()["total"] == 0
    assert len(api("teacher").get(f"/grades/class/{gradebook['room']}").get_json()) == 4
    ids = [g["id"] for g in gradebook["grades"][:2]]
    assert (
        api("teacher").post("/grades/publish", json={"gradeIds": ids}).get_json()["published"] == 2
    )
    view = api("student").get(f"/grades/student/{sam_user}").get_json()
    assert view["total"] == 2
    assert view["student"]["name"] == "Sam Student"
    assert api("parent").get(f"/grades/student/{gradebook['sam']}").get_json()["total"] == 2
    assert api("teacher").get(f"/grades/student/{gradebook['sam']}").get_json()["total"] == 3
    assert api("student").get(f"/grades/student/{gradebook['kim']}").status_code == 404
    assert api("parent", "b").get(f"/grades/student/{gradebook['sam']}").status_code == 404


def test_weighted_gpa_matches_a_hand_computation(api, gradebook):
    result = (
        api("teacher")
        .get(f"/grades/gpa/{gradebook['sam']}?academicYear=2025-2026&semester=first")
        .get_json()
    )
    assert result["gpa"] == 3.85  # (3.7 + 4.0) / 2
    assert result["overallPercentage"] == 85.5  # (81 + 90) / 2
    by_name = {s["subjectName"]: s for s in result["subjects"]}
    assert (by_name["Mathematics"]["percentage"], by_name["Mathematics"]["letterGrade"]) == (
        81.0,
        "A",
    )
    assert (by_name["Science"]["percentage"], by_name["Science"]["gradePoint"]) == (90.0, 4.0)
    published_view = (
        api("student").get(f"/grades/gpa/{gradebook['sam']}?academicYear=2025-2026").get_json()
    )
    assert published_view["gpa"] is None  # nothing published yet
    assert api("student").get(f"/grades/gpa/{gradebook['sam']}").status_code == 400


def test_changing_a_published_grade_keeps_the_old_value(api, gradebook, app):
    grade = gradebook["grades"][2]
    api("teacher").post("/grades/publish", json={"gradeIds": [grade["id"]]})
    changed = (
        api("teacher")
        .patch(f"/grades/{grade['id']}", json={"obtainedMarks": 40})
        .get_json()["grade"]
    )
    assert (changed["percentage"], changed["letterGrade"]) == (80.0, "A")
    [entry] = changed["history"]
    assert entry["previous"]["obtainedMarks"] == 45
    assert entry["previous"]["percentage"] == 90.0
    assert (
        api("teacher").patch(f"/grades/{grade['id']}", json={"obtainedMarks": 51}).status_code
        == 400
    )


def test_bulk_grades_report_each_item(api, gradebook):
    good = {
        "studentId": gradebook["kim"],
        "subjectId": gradebook["science"],
        "classroomId": gradebook["room"],
        "academicYear": "2025-2026",
        "semester": "first",
        "gradeType": "quiz",
        "title": "q",
        "maxMarks": 10,
        "obtainedMarks": 9,
    }
    body = (
        api("teacher")
        .post("/grades/bulk", json={"grades": [good, {**good, "semester": "third"}]})
        .get_json()
    )
    assert [r["status"] for r in body["results"]] == ["created", "error"]


def test_report_card_from_grades_and_attendance(api, world, gradebook, app):
    sam = world["a"]["student_record"]["_id"]
    with app.app_context():
        day = datetime(2025, 9, 1, tzinfo=UTC)
        statuses = ["present", "present", "present", "absent", "late"]
        mongo.db.attendance.insert_many(
            [
                {
                    "institutionId": world["a"]["institution"]["_id"],
                    "studentId": sam,
                    "classroomId": world["a"]["classroom"]["_id"],
                    "date": day + timedelta(days=n),
                    "status": s,
                }
                for n, s in enumerate(statuses)
            ]
        )
    created = api("teacher").post(
        "/reports",
        json={"studentId": gradebook["sam"], "academicYear": "2025-2026", "semester": "first"},
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    report = created.get_json()["report"]
    assert (report["gpa"], report["overallPercentage"], report["overallGrade"]) == (3.85, 85.5, "A")
    assert (report["classRank"], report["classSize"]) == (1, 2)
    assert report["attendance"] == {
        "present": 3,
        "absent": 1,
        "late": 1,
        "excused": 0,
        "total": 5,
        "rate": 80.0,
    }
    kim = (
        api("teacher")
        .post(
            "/reports",
            json={"studentId": gradebook["kim"], "academicYear": "2025-2026", "semester": "first"},
        )
        .get_json()["report"]
    )
    assert (kim["classRank"], kim["gpa"]) == (2, 2.7)
    assert api("student").get("/reports").get_json() == []
    again = api("teacher").post(
        "/reports",
        json={"studentId": gradebook["sam"], "academicYear": "2025-2026", "semester": "first"},
    )
    assert again.status_code == 200
    assert api("teacher").put(f"/reports/{report['id']}/publish").status_code == 403
    assert api().put(f"/reports/{report['id']}/publish").get_json()["report"]["published"] is True
    mine = api("student").get(f"/reports?studentId={world['a']['student']['_id']}").get_json()
    assert [r["id"] for r in mine] == [report["id"]]
    assert [r["id"] for r in api("parent").get("/reports").get_json()] == [report["id"]]
    frozen = api("teacher").post(
        "/reports",
        json={"studentId": gradebook["sam"], "academicYear": "2025-2026", "semester": "first"},
    )
    assert frozen.status_code == 409
    assert api("student").get(f"/reports/{kim['id']}").status_code == 404
