"""A walk through every read endpoint, as each role, with each filter combination.

It runs on a scratch database seeded by the data generator, with caching off so every call
reaches MongoDB, and leaves the query-shape registry holding everything the API issues.
"""

from datetime import timedelta
from itertools import combinations

from educatenext.extensions import mongo
from educatenext.platform.mongo.query_shapes import QUERY_SHAPES
from educatenext.platform.values import today
from educatenext.seed.service import ACADEMIC_YEAR, Generator, SeedOptions

# One seat short of full classrooms: the tour enrolls a newcomer.
TOUR_SEED = SeedOptions(students=119, class_size=40, days=10, grades_per_student=4, subjects=4)


class _Quiet:
    """A progress bar that says nothing."""

    def __init__(self, **_):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *_):
        return False

    def update(self, _):
        """Ignore progress."""


def seed(app):
    """Generate the tour's school in the app's (scratch) database; returns its ids."""
    with app.app_context():
        Generator(TOUR_SEED, _Quiet).run()
        db = mongo.db
        classroom = db.classrooms.find_one(sort=[("name", 1)])
        student = db.students.find_one({"classroomId": classroom["_id"]})
        subject = db.subjects.find_one()
        return {
            "classroom": str(classroom["_id"]),
            "student": str(student["_id"]),
            "subject": str(subject["_id"]),
            "studentEmail": db.users.find_one({"studentId": student["_id"]})["email"],
            "teacherEmail": db.users.find_one({"classroomIds": classroom["_id"]})["email"],
            "roomWithSeat": str(
                next(
                    room["_id"]
                    for room in db.classrooms.find()
                    if room.get("enrolledCount", 0) < room["capacity"]
                )
            ),
            "invoice": str(
                db.invoices.find_one({"status": {"$in": ["issued", "partially_paid"]}})["_id"]
            ),
        }


def calls(ids):
    """(role, path) pairs: every list/report endpoint and its filter combinations."""
    day = today().date()
    period = f"startDate={day - timedelta(days=30)}&endDate={day}"
    room, student, subject = ids["classroom"], ids["student"], ids["subject"]
    student_filters = ["status=active", f"classroomId={room}", "q=a"]
    for size in range(len(student_filters) + 1):
        for combo in combinations(student_filters, size):
            yield "admin", "/students?" + "&".join(combo)
    yield "admin", "/students?sort=-generatedId"
    for role in ("teacher", "student"):
        yield role, "/students"
    for resource in ("subjects", "teachers", "classrooms", "users"):
        for query in ("", "status=active", "q=a", "status=active&q=a"):
            yield "admin", f"/{resource}?{query}"
    yield "teacher", "/classrooms"
    for query in ("", f"classroomId={room}", f"studentId={student}", "status=active"):
        yield "admin", f"/enrollments?{query}"
    for query in (f"classroomId={room}", f"studentId={student}", f"classroomId={room}&{period}",
                  f"studentId={student}&status=absent", period):  # fmt: skip
        yield "admin", f"/attendance?{query}"
    yield "teacher", f"/attendance?classroomId={room}"
    yield "student", "/attendance"
    yield "admin", f"/grades/class/{room}"
    yield "admin", f"/grades/class/{room}?academicYear={ACADEMIC_YEAR}&subjectId={subject}"
    yield "admin", f"/grades/student/{student}"
    yield "student", f"/grades/student/{student}"
    yield "admin", f"/grades/gpa/{student}?academicYear={ACADEMIC_YEAR}"
    yield "teacher", f"/analytics/attendance/students/{student}?{period}"
    yield "admin", f"/analytics/attendance/classrooms/{room}/daily?date={day}"
    yield "admin", f"/analytics/attendance/chronic-absence?classroomId={room}&{period}"
    yield "admin", f"/analytics/attendance/completion?date={day}"
    yield "admin", f"/analytics/grades/distribution?classroomId={room}&academicYear={ACADEMIC_YEAR}"
    yield "admin", f"/reports?studentId={student}"
    yield "admin", f"/assignments?classroomId={room}"
    yield "admin", f"/students/{student}/export"
    yield from fee_calls(ids, day)


def fee_calls(ids, day):
    """Fees, payments, their reports and expenses."""
    room, student = ids["classroom"], ids["student"]
    for query in ("", f"academicYear={ACADEMIC_YEAR}", "status=active"):
        yield "admin", f"/fees/structures?{query}"
    for query in ("", f"studentId={student}", f"classroomId={room}", "status=issued"):
        yield "admin", f"/fees/invoices?{query}"
    yield "student", "/fees/invoices"
    for query in ("", f"studentId={student}"):
        yield "admin", f"/fees/payments?{query}"
    yield "student", "/fees/payments"
    for group in ("classroom", "student"):
        yield "admin", f"/fees/reports/outstanding?groupBy={group}&asOf={day}"
    yield "admin", f"/fees/reports/collections?from={day - timedelta(days=30)}&to={day}"
    yield "admin", f"/fees/reports/heads?academicYear={ACADEMIC_YEAR}"
    for query in ("", "status=approved"):
        yield "admin", f"/expenses?{query}"
    yield "admin", f"/expenses/summary?year={day.year}"


def walk(app, ids):
    """Issue every call through the app; returns [(role, path, status)] of failures."""
    client = app.test_client()
    emails = {
        "admin": "admin@school0.seed.test",
        "teacher": ids["teacherEmail"],
        "student": ids["studentEmail"],
    }
    headers = {}
    for role, email in emails.items():
        login = client.post(
            "/api/v1/auth/login", json={"email": email, "password": TOUR_SEED.password}
        )
        headers[role] = {"Authorization": f"Bearer {login.get_json()['token']}"}
    QUERY_SHAPES.clear()
    failures = []
    for role, path in calls(ids):
        response = client.get(f"/api/v1{path}", headers=headers[role])
        response.get_data()  # a streamed answer queries as it is read
        if response.status_code != 200:
            failures.append((role, path, response.status_code))
    for number, (role, path, body) in enumerate(writes(ids)):
        keyed = {**headers[role], "Idempotency-Key": f"plan-tour-{number}"}
        response = client.post(f"/api/v1{path}", json=body, headers=keyed)
        if response.status_code not in (200, 201):
            failures.append((role, f"POST {path}", response.status_code))
    return failures


def writes(ids):
    """The writes of every school day (their reads and write filters are explained too)."""
    day = today().date().isoformat()
    room, student, subject = ids["classroom"], ids["student"], ids["subject"]
    roster = {"classroomId": room, "date": day,
              "entries": [{"studentId": student, "status": "late"}]}  # fmt: skip
    yield "teacher", "/attendance/roster", roster
    yield "teacher", "/attendance", {"studentId": student, "classroomId": room, "date": day,
                                     "status": "present"}  # fmt: skip
    yield "teacher", "/grades", {"studentId": student, "subjectId": subject, "classroomId": room,
                                 "academicYear": ACADEMIC_YEAR, "semester": "first",
                                 "gradeType": "quiz", "title": "Tour quiz", "maxMarks": 10,
                                 "obtainedMarks": 7}  # fmt: skip
    yield "admin", "/students", {"name": "Tour Newcomer", "admissionYear": 2025,
                                 "classroomId": ids["roomWithSeat"]}  # fmt: skip
    yield "admin", "/fees/payments", {"invoiceId": ids["invoice"], "amountMinor": 1,
                                      "method": "cash"}  # fmt: skip
