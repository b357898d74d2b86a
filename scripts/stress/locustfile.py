"""Locust users for `make stress`: a school morning, each user logged in as its own account.

Accounts (emails, no tokens) come in STRESS_ACCOUNTS; every simulated user takes the next
unused account of its role and logs in through the API (Argon2 and all) before its tasks.
The offered load steps up (StepShape) until a step's p99 passes STRESS_P99_MS or a request
fails; every request and every step's boundaries are written for run.py to report.
"""

import csv
import itertools
import json
import os
import random
import sys
import time
from pathlib import Path

from locust import HttpUser, LoadTestShape, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from scripts.loadtest import visits

ACCOUNTS = json.loads(open(os.environ["STRESS_ACCOUNTS"]).read())  # noqa: SIM115
PASSWORD = os.environ["STRESS_PASSWORD"]
STEPS = [int(users) for users in os.environ.get("STRESS_STEPS", "50,100,200,400").split(",")]
STEP_SECONDS = int(os.environ.get("STRESS_STEP_SECONDS", "45"))
SETTLE_SECONDS = int(os.environ.get("STRESS_SETTLE_SECONDS", "3"))  # after the last login
ARRIVAL_LIMIT_SECONDS = int(os.environ.get("STRESS_ARRIVAL_LIMIT_SECONDS", "180"))
P99_MS = float(os.environ.get("STRESS_P99_MS", "250"))
REQUESTS = []  # (started, name, ms, failed)
STEP_LOG = []  # {"users", "start", "arrived", "measured_from", "end", "p99_ms", "failures"}
NEXT_ACCOUNT = {role: itertools.count() for role in ACCOUNTS}


@events.request.add_listener
def remember_request(request_type, name, response_time, exception, **_):
    """One row per request (its start is now minus its duration)."""
    ended = time.time()
    REQUESTS.append((ended - response_time / 1000, f"{request_type} {name}", response_time,
                     0 if exception is None else 1))  # fmt: skip


@events.quitting.add_listener
def write_logs(**_):
    """Requests to STRESS_REQUEST_LOG (CSV), steps to STRESS_STEP_LOG (JSON)."""
    with open(os.environ["STRESS_REQUEST_LOG"], "w", newline="") as out:
        csv.writer(out).writerows(REQUESTS)
    with open(os.environ["STRESS_STEP_LOG"], "w") as out:
        json.dump(STEP_LOG, out)


def window(since, until):
    """(p99 ms, failures) of the requests that started in [since, until)."""
    rows = [row for row in REQUESTS if since <= row[0] < until]
    times = sorted(row[2] for row in rows)
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))] if times else 0.0
    return p99, sum(row[3] for row in rows)


def logins_done():
    """Logins answered so far (each user logs in once, at its start)."""
    return sum(1 for row in REQUESTS if row[1].endswith("/auth/login"))


class StepShape(LoadTestShape):
    """STEPS users; each step measured for STEP_SECONDS once all its users have logged in.

    A step's new users arrive at users/5 per second and log in (the morning's login storm:
    reported apart as the arrival time). Stops after the first step past P99_MS, with errors,
    or whose logins take longer than ARRIVAL_LIMIT_SECONDS.
    """

    def __init__(self):
        super().__init__()
        self.index, self.step_started, self.arrived = 0, None, None

    def tick(self):
        now = time.time()
        users = STEPS[self.index]
        if self.step_started is None:
            self.step_started = now
        if self.arrived is None and logins_done() >= users:
            self.arrived = now
        late = self.arrived is None and now - self.step_started > ARRIVAL_LIMIT_SECONDS
        if late or (
            self.arrived is not None and now - self.arrived >= STEP_SECONDS + SETTLE_SECONDS
        ):
            measured_from = (self.arrived or now) + SETTLE_SECONDS
            p99, failures = window(measured_from, now)
            STEP_LOG.append({"users": users, "start": self.step_started, "arrived": self.arrived,
                             "measured_from": measured_from, "end": now, "p99_ms": p99,
                             "failures": failures})  # fmt: skip
            self.index += 1
            if late or p99 > P99_MS or failures or self.index == len(STEPS):
                return None
            self.step_started, self.arrived = now, None
            users = STEPS[self.index]
        return users, max(10, users // 5)


class MorningUser(HttpUser):
    """Log in as the next unused account of this role; then the role's tasks."""

    abstract = True
    role = None
    wait_time = between(2, 8)

    def on_start(self):
        """The account's own login (a real Argon2 check)."""
        accounts = ACCOUNTS[self.role]
        self.account = accounts[next(NEXT_ACCOUNT[self.role]) % len(accounts)]
        login = {"email": self.account["email"], "password": PASSWORD}
        answer = self.client.post("/api/v1/auth/login", name="POST /auth/login", json=login)
        self.headers = {"Authorization": f"Bearer {answer.json().get('token', '')}"}


class Office(MorningUser):
    """The school office: dashboard tiles polled."""

    role, weight = "admins", 1

    @task(2)
    def completion(self):
        """Which classes have not taken attendance yet."""
        visits.completion(self.client, self.headers)

    @task(2)
    def students(self):
        """A class list."""
        visits.class_list(self.client, self.headers, self.account)

    @task(1)
    def classrooms(self):
        """The classrooms tile."""
        visits.classrooms(self.client, self.headers)


class Teacher(MorningUser):
    """A teacher: roster first thing, their class, now and then a grade."""

    role, weight = "teachers", 3

    @task(2)
    def roster(self):
        """Today's roster."""
        visits.roster(self.client, self.headers, self.account)

    @task(4)
    def my_students(self):
        """Their class list."""
        visits.my_students(self.client, self.headers)

    @task(2)
    def daily_sheet(self):
        """Today's sheet."""
        visits.daily_sheet(self.client, self.headers, self.account)

    @task(1)
    def grade(self):
        """One quiz mark for one pupil."""
        body = {"studentId": random.choice(self.account["roster"]),  # noqa: S311
                "subjectId": self.account["subject"], "classroomId": self.account["classroom"],
                "academicYear": "2025-2026", "semester": "first", "gradeType": "quiz",
                "title": f"Quiz {visits.TODAY}", "maxMarks": 10,
                "obtainedMarks": random.randint(0, 10)}  # noqa: S311  # fmt: skip
        self.client.post("/api/v1/grades", json=body, headers=self.headers, name="POST /grades")


class Pupil(MorningUser):
    """A student on the phone."""

    role, weight = "students", 6

    @task(3)
    def grades(self):
        """Their grades."""
        visits.grades(self.client, self.headers, self.account)

    @task(1)
    def gpa(self):
        """Their GPA."""
        visits.gpa(self.client, self.headers, self.account)


class Till(MorningUser):
    """A cashier taking payments."""

    role, weight = "cashiers", 1

    @task
    def payment(self):
        """A one-cent payment."""
        visits.payment(self.client, self.headers, self.account["invoices"])
