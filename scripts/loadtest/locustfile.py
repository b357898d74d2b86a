"""Locust users for `make loadtest`: admins polling dashboards, teachers, students.

Tokens come pre-issued in LOADTEST_ACCOUNTS (a JSON file written by run.py), so the test
measures the API's read/write paths rather than 1,000 simultaneous Argon2 logins.
"""

import csv
import json
import os
import random
import sys
import time
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from scripts.loadtest import visits

ACCOUNTS = json.loads(open(os.environ["LOADTEST_ACCOUNTS"]).read())  # noqa: SIM115
# Every request's start, name, time and outcome, so run.py can report a window of the run
# (locust's own statistics are cumulative from the start).
REQUESTS = []
# locust starts each second's users (the spawn rate) in one burst, and each makes its first
# request at once: 100 requests within a few milliseconds, every second of the ramp. "spread"
# (the default) starts each user at a random moment within its second instead (same arrival
# rate, no lockstep); "burst" keeps locust's own timing.
ARRIVAL = os.environ.get("LOADTEST_ARRIVAL", "spread")
SPAWN_INTERVAL_SECONDS = 1.0


def arrive():
    """Wait for this user's moment of arrival within its spawn second (see ARRIVAL)."""
    if ARRIVAL == "spread":
        gevent.sleep(random.uniform(0, SPAWN_INTERVAL_SECONDS))  # noqa: S311


@events.request.add_listener
def remember_request(request_type, name, response_time, exception, **_):
    """Keep one row per request (its start time is now minus its duration)."""
    ended = time.time()
    REQUESTS.append((ended - response_time / 1000, f"{request_type} {name}", response_time,
                     0 if exception is None else 1))  # fmt: skip


@events.quitting.add_listener
def write_requests(**_):
    """All rows to LOADTEST_REQUEST_LOG (CSV: started, name, ms, failed)."""
    with open(os.environ["LOADTEST_REQUEST_LOG"], "w", newline="") as out:
        csv.writer(out).writerows(REQUESTS)


def bearer(token):
    """Authorization header."""
    return {"Authorization": f"Bearer {token}"}


class AdminDashboard(HttpUser):
    """A school office screen refreshing its tiles."""

    weight = 1
    wait_time = between(5, 15)

    def on_start(self):
        """Arrive; pick an admin account."""
        arrive()
        self.account = random.choice(ACCOUNTS["admins"])  # noqa: S311
        self.headers = bearer(self.account["token"])

    @task(3)
    def students(self):
        """The class list tile."""
        visits.class_list(self.client, self.headers, self.account)

    @task(2)
    def completion(self):
        """Which classes have not taken attendance today."""
        visits.completion(self.client, self.headers)

    @task(1)
    def classrooms(self):
        """The classrooms tile."""
        visits.classrooms(self.client, self.headers)


class Teacher(HttpUser):
    """A teacher checking their class, taking attendance now and then."""

    weight = 3
    wait_time = between(5, 15)

    def on_start(self):
        """Arrive; pick a teacher account."""
        arrive()
        self.account = random.choice(ACCOUNTS["teachers"])  # noqa: S311
        self.headers = bearer(self.account["token"])

    @task(6)
    def my_students(self):
        """Their class list."""
        visits.my_students(self.client, self.headers)

    @task(3)
    def daily_sheet(self):
        """Today's sheet for their class."""
        visits.daily_sheet(self.client, self.headers, self.account)

    @task(1)
    def take_attendance(self):
        """The roster for today."""
        visits.roster(self.client, self.headers, self.account)


class Student(HttpUser):
    """A student looking at their grades on the phone."""

    weight = 6
    wait_time = between(5, 15)

    def on_start(self):
        """Arrive; pick a student account."""
        arrive()
        self.account = random.choice(ACCOUNTS["students"])  # noqa: S311
        self.headers = bearer(self.account["token"])

    @task(3)
    def grades(self):
        """Their published grades."""
        visits.grades(self.client, self.headers, self.account)

    @task(1)
    def gpa(self):
        """Their GPA."""
        visits.gpa(self.client, self.headers, self.account)


class FeesOffice(HttpUser):
    """The school office at the till: a cashier taking payments, the bursar's balance report."""

    weight = 1
    wait_time = between(5, 20)

    def on_start(self):
        """Arrive; the school's cashier and finance tokens and some unpaid invoices."""
        arrive()
        self.account = random.choice(ACCOUNTS["fees"])  # noqa: S311

    @task(2)
    def take_payment(self):
        """A one-cent payment (a fresh Idempotency-Key each time: a real write)."""
        visits.payment(self.client, bearer(self.account["cashier"]), self.account["invoices"])

    @task(1)
    def outstanding(self):
        """Who owes what, per classroom."""
        self.client.get(f"/api/v1/fees/reports/outstanding?asOf={visits.TODAY}",
                        headers=bearer(self.account["finance"]),
                        name="/fees/reports/outstanding")  # fmt: skip
