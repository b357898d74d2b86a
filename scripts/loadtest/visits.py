"""The requests a school's users make, shared by the load test and the stress test.

Each takes the locust client, the caller's headers and its account (what run.py gathered).
"""

import random
import uuid
from datetime import UTC, datetime

TODAY = datetime.now(UTC).date().isoformat()


def completion(client, headers):
    """Which classes have not taken attendance today."""
    client.get(f"/api/v1/analytics/attendance/completion?date={TODAY}", headers=headers,
               name="/analytics/attendance/completion")  # fmt: skip


def class_list(client, headers, account):
    """One of the school's class lists."""
    room = random.choice(account["classrooms"])  # noqa: S311
    client.get(f"/api/v1/students?classroomId={room}&limit=50", headers=headers,
               name="/students?classroomId")  # fmt: skip


def classrooms(client, headers):
    """The classrooms tile."""
    client.get("/api/v1/classrooms?limit=50", headers=headers, name="/classrooms")


def my_students(client, headers):
    """A teacher's class list."""
    client.get("/api/v1/students?limit=50", headers=headers, name="/students")


def daily_sheet(client, headers, account):
    """Today's attendance sheet of the teacher's class."""
    room = account["classroom"]
    client.get(f"/api/v1/analytics/attendance/classrooms/{room}/daily?date={TODAY}",
               headers=headers, name="/analytics/.../daily")  # fmt: skip


def roster(client, headers, account):
    """Today's roster for the class (re-sending it changes nothing)."""
    entries = [{"studentId": student, "status": "present"} for student in account["roster"]]
    body = {"classroomId": account["classroom"], "date": TODAY, "entries": entries}
    client.post("/api/v1/attendance/roster", json=body, headers=headers, name="/attendance/roster")


def grades(client, headers, account):
    """A student's published grades."""
    client.get(f"/api/v1/grades/student/{account['student']}", headers=headers,
               name="/grades/student")  # fmt: skip


def gpa(client, headers, account):
    """A student's GPA."""
    client.get(f"/api/v1/grades/gpa/{account['student']}?academicYear=2025-2026",
               headers=headers, name="/grades/gpa")  # fmt: skip


def payment(client, headers, invoices):
    """A one-cent payment with a fresh Idempotency-Key (a real write)."""
    body = {"invoiceId": random.choice(invoices), "amountMinor": 1, "method": "cash"}  # noqa: S311
    client.post("/api/v1/fees/payments", json=body, name="POST /fees/payments",
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
