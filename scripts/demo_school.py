"""Set up a school through the HTTP API only, timing it: subjects, teachers, classrooms,
1,000 students (bulk) and their enrollments (bulk), then list and filter as each role.

Usage (with `make run` serving and an admin from `make bootstrap`):
    .venv/bin/python scripts/demo_school.py http://127.0.0.1:5000 head@greenfield.org 'password'
"""

import json
import statistics
import sys
import time
import urllib.error
import urllib.request

STUDENTS = 1000
CLASSROOMS = 25
PER_CLASSROOM = STUDENTS // CLASSROOMS
PASSWORD = "demo teacher passphrase"


class Client:
    """A tiny JSON client for the API."""

    def __init__(self, base, token=None):
        self.base = base.rstrip("/") + "/api/v1"
        self.token = token

    def call(self, method, path, body=None):
        """Send one request; return (status, parsed body, headers)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null"), response.headers
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), error.headers

    def ok(self, method, path, body=None):
        """A call that must succeed (waiting out a 429 as a well-behaved client does)."""
        status, payload, headers = self.call(method, path, body)
        if status == 429:
            wait = int(headers.get("Retry-After", "1"))
            print(f"  (rate limited on {path}: waiting {wait} s)")
            time.sleep(wait)
            return self.ok(method, path, body)
        if status >= 300:
            raise SystemExit(f"{method} {path} -> {status}: {payload}")
        return payload


def login(base, email, password):
    """A client authenticated as this user."""
    payload = Client(base).ok("POST", "/auth/login", {"email": email, "password": password})
    return Client(base, payload["token"])


def timed(label, function):
    """Run and report wall time."""
    started = time.perf_counter()
    result = function()
    print(f"{label:<58} {time.perf_counter() - started:8.2f} s")
    return result


def main(base, email, password):
    """The walk-through."""
    admin = login(base, email, password)
    stamp = str(int(time.time()))[-6:]
    setup_started = time.perf_counter()

    def make_subjects():
        return [
            admin.ok("POST", "/subjects", {"name": f"Subject {n}", "code": f"S{stamp}-{n}"})[
                "subject"
            ]
            for n in range(10)
        ]

    def make_teachers():
        made = []
        for n in range(CLASSROOMS):
            body = {
                "name": f"Teacher {n}",
                "email": f"t{n}.{stamp}@demo.test",
                "password": PASSWORD,
                "employeeId": f"E{stamp}-{n}",
                "subjectIds": [subjects[n % 10]["id"]],
            }
            made.append(admin.ok("POST", "/teachers", body)["teacher"])
        return made

    def make_classrooms():
        made = []
        for n, teacher in enumerate(teachers):
            body = {
                "name": f"Room {stamp}-{n}",
                "academicYear": "2025-2026",
                "capacity": PER_CLASSROOM + 5,
                "primaryTeacherId": teacher["id"],
            }
            made.append(admin.ok("POST", "/classrooms", body)["classroom"])
        return made

    subjects = timed("10 subjects", make_subjects)
    teachers = timed(f"{CLASSROOMS} teachers (account + profile each)", make_teachers)
    classrooms = timed(f"{CLASSROOMS} classrooms", make_classrooms)

    def create_students():
        ids = []
        for batch in range(STUDENTS // 200):
            items = [
                {"name": f"Pupil {batch * 200 + n:04d}", "admissionYear": 2025} for n in range(200)
            ]
            result = admin.ok("POST", "/students/bulk", {"students": items})
            ids += [r["id"] for r in result["results"] if r["status"] == "created"]
        return ids

    student_ids = timed(f"{STUDENTS} students (bulk, 5 x 200)", create_students)

    def enroll_all():
        enrolled = 0
        for index, classroom in enumerate(classrooms):
            chunk = student_ids[index * PER_CLASSROOM : (index + 1) * PER_CLASSROOM]
            result = admin.ok(
                "POST", "/enrollments/bulk", {"classroomId": classroom["id"], "studentIds": chunk}
            )
            enrolled += result["succeeded"]
        return enrolled

    enrolled = timed(f"enroll them ({CLASSROOMS} bulk calls)", enroll_all)
    total = time.perf_counter() - setup_started
    print(f"{'setup total':<58} {total:8.2f} s  ({len(student_ids)} students, {enrolled} enrolled)")

    room = classrooms[3]
    samples = []
    for _ in range(30):
        started = time.perf_counter()
        status, page, headers = admin.call(
            "GET", f"/students?classroomId={room['id']}&status=active&limit=50"
        )
        samples.append(time.perf_counter() - started)
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(0.95 * len(ordered))] * 1000
    print(
        f"filtered list (classroom + status, 50/page), 30 calls: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )
    print(f"  {len(page)} rows, X-Total-Count {headers['X-Total-Count']}")
    status, page, headers = admin.call("GET", "/students?q=pupil%2001&sort=name&limit=100")
    print(f"admin search q='pupil 01': {status}, X-Total-Count {headers['X-Total-Count']}")
    teacher = login(base, f"t3.{stamp}@demo.test", PASSWORD)
    status, page, headers = teacher.call("GET", "/students?limit=100")
    total_seen = headers["X-Total-Count"]
    print(f"teacher of room 3 sees: {status}, {len(page)} students (X-Total-Count {total_seen})")
    print(f"first row, contract shape: {json.dumps(page[0])}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
