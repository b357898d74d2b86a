"""Benchmark: roster entry for 40 students and each report on a classroom with a year of
attendance (40 students x 200 school days = 8,000 records) and grades (40 x 6 subjects x 5).

Runs in-process (Flask test client) against real servers on free ports: secantusdb and
redis-server (or MONGO_URI / REDIS_URL). Prints p50/p95 in milliseconds.
Usage: .venv/bin/python scripts/bench_records.py [repetitions]
"""

import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pymongo  # noqa: E402

from devservers.processes import MongoServer, RedisServer  # noqa: E402
from educatenext import create_app  # noqa: E402
from educatenext.attendance.repository import AttendanceRepository  # noqa: E402
from educatenext.config import Config  # noqa: E402
from educatenext.extensions import limiter, mongo  # noqa: E402
from educatenext.grades.repository import GradeRepository  # noqa: E402
from educatenext.grades.service import scores  # noqa: E402
from educatenext.institutions.service import create_institution  # noqa: E402
from educatenext.platform.mongo.migrations import apply_pending  # noqa: E402
from educatenext.platform.mongo.repository import TenantScope  # noqa: E402
from educatenext.users.service import insert_user  # noqa: E402
from scripts.bench_auth import percentiles, show, timed  # noqa: E402

PASSWORD = "benchmark passphrase 42"
STUDENTS = 40
SCHOOL_DAYS = 200
STATUSES = ("present",) * 17 + ("absent", "late", "excused")


def seed(app, client, admin_headers, institution_id):
    """Classroom, 40 enrolled students, a year of attendance and grades."""

    def post(path, body):
        response = client.post(f"/api/v1{path}", json=body, headers=admin_headers)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    room = post("/classrooms", {"name": "Grade 5 A", "academicYear": "2025-2026", "capacity": 45})[
        "classroom"
    ]
    subjects = [
        post("/subjects", {"name": f"Subject {n}", "code": f"SUB-{n}"})["subject"] for n in range(6)
    ]
    start = datetime(2025, 8, 1, tzinfo=UTC)
    items = [{"name": f"Pupil {n:02d}", "admissionYear": 2025} for n in range(STUDENTS)]
    created = post("/students/bulk", {"students": items})["results"]
    student_ids = [r["id"] for r in created]
    post(
        "/enrollments/bulk",
        {"classroomId": room["id"], "studentIds": student_ids, "startDate": "2025-08-01"},
    )
    scope = TenantScope.of(institution_id)
    from bson import ObjectId

    room_id = ObjectId(room["id"])
    days = [
        start + timedelta(days=n) for n in range(300) if (start + timedelta(days=n)).weekday() < 5
    ]
    days = days[:SCHOOL_DAYS]
    with app.app_context():
        records = [
            {
                "studentId": ObjectId(sid),
                "classroomId": room_id,
                "date": day,
                "status": STATUSES[(i * 7 + d) % len(STATUSES)],
                "method": "bulk",
            }
            for i, sid in enumerate(student_ids)
            for d, day in enumerate(days)
        ]
        repository = AttendanceRepository(scope)
        for offset in range(0, len(records), 1000):
            repository.insert_many(records[offset : offset + 1000])
        grades = []
        for i, sid in enumerate(student_ids):
            for subject in subjects:
                for entry in range(5):
                    obtained = 40 + (i * 13 + entry * 7) % 60
                    grades.append(
                        {
                            "studentId": ObjectId(sid),
                            "subjectId": ObjectId(subject["id"]),
                            "classroomId": room_id,
                            "academicYear": "2025-2026",
                            "semester": "first",
                            "gradeType": "exam",
                            "title": f"t{entry}",
                            "maxMarks": 100,
                            "obtainedMarks": obtained,
                            "weightage": 1 + entry % 2,
                            **scores(obtained, 100),
                            "published": True,
                            "date": days[entry * 10],
                        }
                    )
        repository = GradeRepository(scope)
        # In batches: one insert_many of them all outlasted the 2 s MongoDB budget on the
        # development server (grades carry many indexes).
        for offset in range(0, len(grades), 250):
            repository.insert_many(grades[offset : offset + 250])
    return room, student_ids, days


def main(repetitions):
    """Start servers, seed, measure."""
    started = []
    mongo_uri, redis_url = os.environ.get("MONGO_URI"), os.environ.get("REDIS_URL")
    with tempfile.TemporaryDirectory() as scratch:
        if not mongo_uri:
            started.append(MongoServer(Path(scratch) / "mongo").start(timeout=60))
            mongo_uri = started[-1].uri
        if not redis_url:
            started.append(RedisServer().start())
            redis_url = started[-1].url
        try:
            run(mongo_uri, redis_url, repetitions)
        finally:
            for server in started:
                server.stop()


def run(mongo_uri, redis_url, repetitions):
    """The measurements proper."""
    settings = Config()
    settings.MONGO_URI, settings.REDIS_URL = mongo_uri, redis_url
    settings.MONGO_DB_NAME = f"bench_records_{os.getpid()}"
    for name in ("RATELIMIT_READ", "RATELIMIT_WRITE", "RATELIMIT_BULK", "RATELIMIT_DEFAULT"):
        setattr(settings, name, "1000000 per minute")
    app = create_app(settings)
    with app.app_context():
        limiter.reset()
        apply_pending(mongo.db, app.config["MIGRATIONS_DIR"], echo=lambda *_: None)
        institution, _ = create_institution({"name": "Bench", "code": "bench"})
        insert_user(
            TenantScope.of(institution["_id"]),
            {"name": "Admin", "email": "admin@bench.test", "password": PASSWORD, "role": "admin"},
        )
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/login", json={"email": "admin@bench.test", "password": PASSWORD}
    ).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    room, student_ids, days = seed(app, client, headers, institution["_id"])
    records = STUDENTS * len(days)
    print(f"seeded: {STUDENTS} students, {records} attendance records, {STUDENTS * 30} grades")

    today = datetime.now(UTC).date()
    entries = [
        {"studentId": sid, "status": "present" if n % 9 else "absent"}
        for n, sid in enumerate(student_ids)
    ]
    roster = {"classroomId": room["id"], "date": today.isoformat(), "entries": entries}
    first = timed(lambda: client.post("/api/v1/attendance/roster", json=roster, headers=headers), 1)
    print(f"{'roster of 40, first entry (40 creates)':<46} {first[0] * 1000:8.1f} ms")
    show(
        "roster of 40, repeated (no change, no writes)",
        percentiles(
            timed(
                lambda: client.post("/api/v1/attendance/roster", json=roster, headers=headers),
                repetitions,
            )
        ),
    )

    period = "startDate=2025-08-01&endDate=2026-07-31"  # a school year
    year = "academicYear=2025-2026"
    room_id, student = room["id"], student_ids[0]
    attendance = "/api/v1/analytics/attendance"
    reports = {
        "student attendance summary (1 year)": f"{attendance}/students/{student}?{period}",
        "classroom daily sheet": f"{attendance}/classrooms/{room_id}/daily?date={days[50].date()}",
        "chronic absence (1 year, < 90 %)": f"{attendance}/chronic-absence?{period}&classroomId="
        + room_id,
        "grade distribution": f"/api/v1/analytics/grades/distribution?classroomId={room_id}&{year}",
        "classrooms without attendance today": f"{attendance}/completion",
        "weighted GPA (one pipeline)": f"/api/v1/grades/gpa/{student}?{year}&semester=first",
    }
    for label, path in reports.items():
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (label, response.get_json())
        show(label, percentiles(timed(lambda p=path: client.get(p, headers=headers), repetitions)))
    card = {"studentId": student_ids[0], "academicYear": "2025-2026", "semester": "first"}
    show(
        "report card (grades + rank + 1 year attendance)",
        percentiles(
            timed(lambda: client.post("/api/v1/reports", json=card, headers=headers), repetitions)
        ),
    )
    # Dropping a database outlasts the app's 2 s operation budget on the development server.
    with app.app_context(), pymongo.timeout(60):
        mongo.client.drop_database(app.config["MONGO_DB_NAME"])
        mongo.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
