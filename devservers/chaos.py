"""Faults against the real stack with a client ledger: nothing acknowledged may be lost.

The stack is nginx -> gunicorn (gunicorn.conf.py, production config) -> the app, with
redis-server and the Mongo-wire server (secantusdb) on loopback ports; the app reaches the
server through a wire relay (wire_proxy.py) that can hold a transaction at its commit. A
steady load runs through nginx: writers create assignments, enrollers create a student and
enroll it (a transaction: seat, enrollment, student), each with an Idempotency-Key and
retrying until they get an answer (the ledger records every acknowledged write); readers
poll cached lists and /auth/me. After each fault the ledger of the writes it overlapped is
checked against MongoDB and through the API: every acknowledged write is there exactly
once, no attempt produced a second document, and no transaction is half applied.

Used by `make chaos` (scripts/chaos/run.py) and by tests/deployment/test_faults.py.
"""

import http.client
import itertools
import json
import math
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bson import ObjectId
from pymongo import MongoClient
from pymongo.read_concern import ReadConcern

from devservers.processes import (
    ROOT,
    GunicornServer,
    MongoServer,
    NginxServer,
    RedisServer,
    ensure_dir,
)
from devservers.wire_proxy import WireProxy, socket_owner

UNLIMITED = "1000000 per minute"
SECRET_NAMES = ("SECRET_KEY", "JWT_SECRET", "QR_SECRET", "MFA_SECRET_KEY")
LIMIT_NAMES = ("RATELIMIT_READ", "RATELIMIT_WRITE", "RATELIMIT_BULK", "RATELIMIT_DEFAULT",
               "LOGIN_RATE_LIMIT_PER_IP", "LOGIN_RATE_LIMIT_PER_ACCOUNT")  # fmt: skip
PROBE_PAGES = itertools.count(1000)
DEFAULT_THREADS = 1  # gunicorn.conf.py's default (GUNICORN_THREADS): sync workers
PASSWORD = "Chaos-Ledger-Passphrase-1"
ADMIN_EMAIL = "admin@chaos.test"
RETRY_GIVE_UP_SECONDS = 90
# mongod's transactionLifetimeLimitSeconds is 60 by default and a setParameter away; the
# relay (which plays that part for secantusdb) uses 10, so a fault's window can see it.
TRANSACTION_LIFETIME_SECONDS = 10.0
ROOM_CAPACITY = 500  # the most a classroom takes: an enroller opens another when it is full


def request(port, method, path, token=None, body=None, headers=None, timeout=15):
    """(status, headers, parsed JSON or raw bytes, seconds) through one fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    started = time.monotonic()
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers=sent)  # fmt: skip
        response = connection.getresponse()
        raw = response.read()
        elapsed = time.monotonic() - started
        answer = dict(response.getheaders())
        if answer.get("Content-Type", "").startswith("application/json"):
            return response.status, answer, json.loads(raw), elapsed
        return response.status, answer, raw, elapsed
    finally:
        connection.close()


class ChaosStack:
    """secantusdb, redis-server, gunicorn and nginx on loopback ports; data under directory."""

    def __init__(self, directory, workers=2, threads=DEFAULT_THREADS, **env):
        self.directory = ensure_dir(directory)
        self.threads = threads
        self.mongo = MongoServer(
            ensure_dir(self.directory / "mongo"), log_path=self.directory / "mongo.log"
        )
        self.redis = RedisServer(log_path=self.directory / "redis.log")
        self.workers = workers
        self.extra_env = env
        self.db_name = "educatenext_chaos"
        self.gunicorn = self.nginx = self.client = self.proxy = None

    def env(self):
        """Production configuration, as deployed; limits high enough not to reject the load."""
        metrics = ensure_dir(self.directory / "metrics")
        return {
            "EDUCATENEXT_ENV": "production",
            **{name: secrets.token_urlsafe(48) for name in SECRET_NAMES},
            "MONGO_URI": self.proxy.uri,
            "MONGO_DB_NAME": self.db_name,
            "REDIS_URL": self.redis.url,
            "TRUSTED_PROXIES": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
            **dict.fromkeys(LIMIT_NAMES, UNLIMITED),
            **self.extra_env,
        }  # fmt: skip

    def start(self):
        """Start everything, migrate, bootstrap one school; returns self."""
        self.mongo.start(timeout=60)
        self.proxy = WireProxy(self.mongo.port, TRANSACTION_LIFETIME_SECONDS).start()
        self.redis.start()
        self.client = MongoClient(self.mongo.uri)
        env = self.env()
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        run_env = {**os.environ, **env, "BOOTSTRAP_SUPER_ADMIN_PASSWORD": PASSWORD,
                   "BOOTSTRAP_ADMIN_PASSWORD": PASSWORD}  # fmt: skip
        subprocess.run([*flask, "migrate", "up"], env=run_env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        subprocess.run(
            [*flask, "bootstrap", "--super-admin-email", "root@chaos.test",
             "--institution-name", "Chaos High", "--institution-code", "chaos-high",
             "--admin-email", ADMIN_EMAIL],
            env=run_env, cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        self.gunicorn = GunicornServer(
            env, workers=self.workers, log_path=self.directory / "gunicorn.log"
        ).start(timeout=90)
        self.nginx = NginxServer(self.directory / "nginx", self.gunicorn.port).start()
        return self

    @property
    def port(self):
        """nginx's port: every client request goes through it."""
        return self.nginx.port

    @property
    def db(self):
        """The app's database, read directly to check the ledger."""
        return self.client[self.db_name]

    def login(self):
        """A fresh admin access token."""
        status, _, body, _ = request(self.port, "POST", "/api/v1/auth/login",
                                     body={"email": ADMIN_EMAIL, "password": PASSWORD})  # fmt: skip
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        return body["token"]

    def worker_pids(self):
        """gunicorn's worker processes (children of the master)."""
        master = str(self.gunicorn.process.pid)
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields_ = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields_[1] == master:
                    children.append(int(entry.name))
        return sorted(children)

    def stop(self):
        """Stop everything (whatever state the faults left it in)."""
        for server in (self.nginx, self.gunicorn, self.redis, self.mongo):
            if server is not None:
                if server.process and server.process.poll() is None:
                    os.kill(server.process.pid, signal.SIGCONT)  # a frozen server must hear TERM
                server.stop()
        if self.proxy is not None:
            self.proxy.close()
        if self.client is not None:
            self.client.close()


@dataclass
class Outcome:
    """One HTTP exchange seen by the load."""

    at: float
    kind: str
    status: object  # an int, or the name of a connection error
    code: str | None
    seconds: float
    retry_after: str | None = None
    json_body: bool = True


@dataclass
class LedgerEntry:
    """One intended write: acknowledged once a 201 came back."""

    title: str
    key: str
    attempts: int = 0
    posts: int = 0  # distinct requests it needs (an enrollment: the student, then itself)
    assignment_id: str | None = None
    gave_up: bool = False
    kind: str = "assignment"  # or "enrollment": a student created, then enrolled
    started: float = field(default_factory=time.monotonic)
    acknowledged_at: float | None = None
    student_id: str | None = None
    classroom_id: str | None = None
    enrollment_id: str | None = None

    def overlaps(self, since):
        """Started at or after since, or still unacknowledged then."""
        return self.started >= since or (self.acknowledged_at or math.inf) >= since


@dataclass
class Load:
    """A steady mixed load through nginx: keyed writers that retry, and readers."""

    stack: ChaosStack
    writers: int = 3
    readers: int = 3
    enrollers: int = 0
    outcomes: list = field(default_factory=list)
    ledger: list = field(default_factory=list)

    def __post_init__(self):
        self.token = self.stack.login()
        self.run_id = uuid.uuid4().hex[:8]
        self.sequence = itertools.count(1)
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.threads = []
        _, _, body, _ = request(
            self.stack.port, "POST", "/api/v1/classrooms", self.token,
            {"name": f"Ledger {self.run_id}", "academicYear": "2026-2027", "capacity": 40},
        )  # fmt: skip
        self.classroom_id = body["classroom"]["id"] if "classroom" in body else body["id"]

    def _record(self, kind, status, body, headers, seconds):
        code = body.get("code") if isinstance(body, dict) else None
        outcome = Outcome(time.monotonic(), kind, status, code, seconds,
                          (headers or {}).get("Retry-After"),
                          json_body=isinstance(body, dict | list))  # fmt: skip
        with self.lock:
            self.outcomes.append(outcome)
        return outcome

    def _call(self, kind, method, path, body=None, headers=None):
        try:
            status, answer, parsed, seconds = request(
                self.stack.port, method, path, self.token, body, headers
            )
        except (OSError, http.client.HTTPException) as error:
            self._record(kind, type(error).__name__, None, None, 0.0)
            return None, None, None
        self._record(kind, status, parsed, answer, seconds)
        return status, answer, parsed

    def acknowledged(self, path, body, key, entry):
        """POST with an Idempotency-Key until a 201 comes back: its body, or None on giving up."""
        deadline = time.monotonic() + RETRY_GIVE_UP_SECONDS
        entry.posts += 1
        while time.monotonic() < deadline:
            entry.attempts += 1
            status, headers, parsed = self._call(
                "write", "POST", path, body, {"Idempotency-Key": key}
            )
            if status == 201:
                return parsed
            wait = 0.5
            if headers and headers.get("Retry-After", "").isdigit():
                wait = min(float(headers["Retry-After"]), 5.0)
            time.sleep(wait)
        entry.gave_up = True
        return None

    def new_entry(self, kind, prefix="ledger"):
        number = next(self.sequence)
        entry = LedgerEntry(f"Ledger {self.run_id} {number:06d}",
                            f"{prefix}-{self.run_id}-{number}", kind=kind)  # fmt: skip
        with self.lock:
            self.ledger.append(entry)
        return entry

    def write_one(self):
        """Create one assignment, retrying with the same key until the API acknowledges it."""
        entry = self.new_entry("assignment")
        body = {"classroomId": self.classroom_id, "title": entry.title,
                "dueDate": "2027-01-15T15:00:00Z"}  # fmt: skip
        created = self.acknowledged("/api/v1/assignments", body, entry.key, entry)
        if created is not None:
            entry.assignment_id = (created.get("assignment") or created)["id"]
            entry.acknowledged_at = time.monotonic()
        return entry

    def new_classroom(self, name, capacity=ROOM_CAPACITY):
        """A classroom created through the API (keyed, retried): its id."""
        entry = LedgerEntry(name, f"room-{self.run_id}-{next(self.sequence)}", kind="setup")
        body = {"name": name, "academicYear": "2025-2026", "capacity": capacity}
        created = self.acknowledged("/api/v1/classrooms", body, entry.key, entry)
        if created is None:
            raise RuntimeError(f"could not create classroom {name}")
        return created["classroom"]["id"]

    def enroll_one(self, classroom_id):
        """Create a student, then enroll it (a transaction), each retried until acknowledged."""
        entry = self.new_entry("enrollment", prefix="enrol")
        entry.classroom_id = classroom_id
        student = self.acknowledged("/api/v1/students",
                                    {"name": entry.title, "admissionYear": 2025},
                                    f"{entry.key}-student", entry)  # fmt: skip
        if student is None:
            return entry
        entry.student_id = student["student"]["id"]
        enrolled = self.acknowledged("/api/v1/enrollments",
                                     {"studentId": entry.student_id, "classroomId": classroom_id},
                                     entry.key, entry)  # fmt: skip
        if enrolled is not None:
            entry.enrollment_id = enrolled["enrollment"]["id"]
            entry.acknowledged_at = time.monotonic()
        return entry

    def _enroller(self):
        seats, room = 0, None
        while not self.stop_event.is_set():
            if room is None or seats == ROOM_CAPACITY:
                room, seats = (
                    self.new_classroom(f"Ledger room {self.run_id} {uuid.uuid4().hex[:6]}"),
                    0,
                )
            self.enroll_one(room)
            seats += 1

    def _writer(self):
        while not self.stop_event.is_set():
            self.write_one()

    def _reader(self, index):
        paths = ("/api/v1/assignments?limit=5", "/api/v1/subjects", "/api/v1/auth/me")
        for path in itertools.cycle(paths[index % 3 :] + paths[: index % 3]):
            if self.stop_event.is_set():
                return
            self._call("read", "GET", path)
            time.sleep(0.02)

    def start(self):
        """Start the writer and reader threads."""
        for _ in range(self.writers):
            self.threads.append(threading.Thread(target=self._writer, daemon=True))
        for _ in range(self.enrollers):
            self.threads.append(threading.Thread(target=self._enroller, daemon=True))
        for index in range(self.readers):
            self.threads.append(threading.Thread(target=self._reader, args=(index,), daemon=True))
        for thread in self.threads:
            thread.start()
        return self

    def stop(self):
        """Stop and wait for in-flight writes to finish their retries."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(RETRY_GIVE_UP_SECONDS + 20)

    def since(self, moment):
        """Outcomes recorded after a monotonic moment."""
        with self.lock:
            return [outcome for outcome in self.outcomes if outcome.at >= moment]


def check_ledger(stack, load, since=None):
    """Every acknowledged write reads back (DB and API), once; no attempt made a duplicate;
    no enrollment transaction half applied. since: only the writes overlapping that moment on.
    """
    # Acknowledgements are taken before the database is read: writers may still be running,
    # and a write acknowledged after the read began is not yet owed to this check.
    with load.lock:
        entries = [e for e in load.ledger if since is None or e.overlaps(since)]
        acknowledged = [e for e in entries if e.kind == "assignment" and e.assignment_id]
        enrolled = [e for e in entries if e.kind == "enrollment" and e.enrollment_id]
        gave_up = sum(entry.gave_up for entry in entries)
    owed = {entry.title for entry in entries if entry.kind == "assignment"}
    titles = Counter(
        doc["title"]
        for doc in stack.db.assignments.find(
            {"title": {"$regex": f"^Ledger {load.run_id} "}}, {"title": 1}
        )
    )
    lost = [entry.title for entry in acknowledged if titles[entry.title] == 0]
    duplicates = sorted(title for title, count in titles.items() if count > 1 and title in owed)
    unreadable = []
    for entry in acknowledged:
        if stack.db.assignments.count_documents({"_id": ObjectId(entry.assignment_id)}) != 1:
            unreadable.append(entry.title)
    sample = acknowledged[:: max(1, len(acknowledged) // 25)]
    for entry in sample:  # and through the API, for a sample
        try:
            status = request(stack.port, "GET", f"/api/v1/assignments/{entry.assignment_id}",
                             load.token)[0]  # fmt: skip
        except (OSError, http.client.HTTPException):
            status = None
        if status != 200:
            unreadable.append(entry.title)
    enrollments = check_enrollments(stack, enrolled) if enrolled else {}
    return {
        "acknowledged": len(acknowledged) + len(enrolled),
        "enrollments": len(enrolled),
        "gave_up": gave_up,
        "lost": len(lost) + enrollments.get("lost", 0),
        "duplicates": len(duplicates) + enrollments.get("duplicates", 0),
        "unreadable": len(unreadable),
        "half_applied": enrollments.get("half_applied", 0),
        "retried": sum(entry.attempts > max(1, entry.posts) for entry in acknowledged + enrolled),
    }


def check_enrollments(stack, enrolled):
    """Lost, duplicated and half-applied enrollments, read from one snapshot.

    Half applied: a classroom whose seat count is not its active enrollments, or a student
    whose classroom is not its enrollment's. One snapshot, so a commit landing between two
    reads cannot look like one.
    """
    students = [ObjectId(entry.student_id) for entry in enrolled]
    rooms = sorted({ObjectId(entry.classroom_id) for entry in enrolled})
    with (
        stack.client.start_session() as session,
        session.start_transaction(read_concern=ReadConcern("snapshot")),
    ):
        db = stack.db
        by_student = {}
        for doc in db.enrollments.find({"studentId": {"$in": students}}, session=session):
            by_student.setdefault(doc["studentId"], []).append(doc)
        placed = {doc["_id"]: doc.get("classroomId") for doc in db.students.find(
            {"_id": {"$in": students}}, {"classroomId": 1}, session=session)}  # fmt: skip
        seats = {doc["_id"]: doc.get("enrolledCount", 0) for doc in db.classrooms.find(
            {"_id": {"$in": rooms}}, {"enrolledCount": 1}, session=session)}  # fmt: skip
        active = Counter(doc["classroomId"] for doc in db.enrollments.find(
            {"classroomId": {"$in": rooms}, "status": "active"}, {"classroomId": 1},
            session=session))  # fmt: skip
    lost = sum(not by_student.get(student) for student in students)
    duplicates = sum(len(by_student.get(student, ())) > 1 for student in students)
    misplaced = sum(
        bool(by_student.get(student))
        and placed.get(student) != by_student[student][0]["classroomId"]
        for student in students
    )
    miscounted = sum(seats.get(room) != active[room] for room in rooms)
    return {"lost": lost, "duplicates": duplicates, "half_applied": misplaced + miscounted}


def summarise(outcomes):
    """Counts and latency percentiles for a window of outcomes."""
    statuses = Counter(str(outcome.status) for outcome in outcomes)
    server_errors = [o for o in outcomes if isinstance(o.status, int) and o.status >= 500]
    seconds = sorted(o.seconds for o in outcomes if isinstance(o.status, int))

    def percentile(q):
        if not seconds:
            return None
        return round(seconds[min(len(seconds) - 1, int(q * len(seconds)))] * 1000, 1)

    return {
        "requests": len(outcomes),
        "statuses": dict(sorted(statuses.items())),
        "5xx": len(server_errors),
        "500": sum(o.status == 500 for o in server_errors),
        "non_json_5xx": sum(not o.json_body for o in server_errors),
        "5xx_without_retry_after": sum(
            o.status == 503 and not o.retry_after for o in server_errors
        ),
        "connection_errors": sum(isinstance(o.status, str) for o in outcomes),
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "max_ms": round(max(seconds) * 1000, 1) if seconds else None,
        "mean_ms": round(statistics.fmean(seconds) * 1000, 1) if seconds else None,
    }


def wait_until(predicate, timeout, interval=0.1):
    """Seconds until predicate() held, or None after timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(interval)
    return None


def ready(stack):
    """/ready answers 200 through nginx."""
    try:
        return request(stack.port, "GET", "/ready", timeout=5)[0] == 200
    except OSError:
        return False


def writes_succeed(stack, load):
    """A fresh keyed write is acknowledged at once (no retry needed)."""
    entry = load.write_one()
    return entry.attempts == 1 and entry.assignment_id is not None


def _window(load, started, repaired, settle=2.0):
    """Let the load run a little past the repair, then summarise the whole fault window."""
    time.sleep(settle)
    return summarise(load.since(started)), repaired


def _uncached_probe(stack, load):
    """A read that must reach MongoDB (a page no cache holds)."""
    path = f"/api/v1/assignments?limit=1&page={next(PROBE_PAGES)}"
    try:
        return request(stack.port, "GET", path, load.token, timeout=15)
    except OSError:
        return None, {}, None, 0.0


def redis_killed(stack, load, outage=5.0):
    """SIGKILL Redis, keep the load on, restart it (empty, as after a crash)."""
    revoked = stack.login()
    request(stack.port, "POST", "/api/v1/auth/logout", revoked)
    started = time.monotonic()
    stack.redis.kill()
    time.sleep(outage / 2)
    revoked_status = request(stack.port, "GET", "/api/v1/auth/me", revoked)[0]
    # Limits still apply, counted in each worker's memory (Flask-Limiter's fallback).
    limited = request(stack.port, "GET", "/api/v1/subjects", load.token)[1]
    time.sleep(outage / 2)
    stack.redis.start()
    repaired = time.monotonic()
    recovered = wait_until(lambda: ready(stack), 30)
    window, _ = _window(load, started, repaired)
    checks = {
        "no 5xx": window["5xx"] == 0 and window["connection_errors"] == 0,
        "revoked token stays revoked (401)": revoked_status == 401,
        "limits fall back to per-process counters": "X-RateLimit-Remaining" in limited,
        "ready again": recovered is not None,
    }
    return {"fault": "Redis killed and restarted", "outage_s": outage, "window": window,
            "recovery_s": recovered, "checks": checks,
            "observed": {"revoked token during outage": revoked_status,
                         "X-RateLimit-Remaining during outage":
                             limited.get("X-RateLimit-Remaining")}}  # fmt: skip


def redis_frozen(stack, load, outage=5.0, latency_bound=2.0):
    """SIGSTOP Redis (a hung server, not a refused connection), then SIGCONT."""
    started = time.monotonic()
    os.kill(stack.redis.process.pid, signal.SIGSTOP)
    time.sleep(outage)
    os.kill(stack.redis.process.pid, signal.SIGCONT)
    repaired = time.monotonic()
    recovered = wait_until(lambda: ready(stack), 30)
    window, _ = _window(load, started, repaired)
    timeouts = stack.gunicorn.log_path.read_text(errors="replace").count("WORKER TIMEOUT")
    checks = {
        "no 5xx": window["5xx"] == 0 and window["connection_errors"] == 0,
        f"slowest request under {latency_bound:g} s": (window["max_ms"] or 0)
        < latency_bound * 1000,
        "no gunicorn worker timeouts": timeouts == 0,
    }
    return {"fault": "Redis frozen (SIGSTOP)", "outage_s": outage, "window": window,
            "recovery_s": recovered, "checks": checks,
            "observed": {"worker timeouts": timeouts}}  # fmt: skip


IN_FLIGHT_DRAIN_SECONDS = 2.0


def _database_outage_checks(stack, window, recovered, master, workers):
    """What every database outage must show: JSON 503s only, and recovery in place."""
    return {
        "every 5xx is a JSON 503 with Retry-After (no 500, no HTML)": (
            window["5xx"] == window["statuses"].get("503", 0)
            and window["non_json_5xx"] == 0 and window["5xx_without_retry_after"] == 0
        ),
        "recovers without restarting the app": recovered is not None
        and stack.gunicorn.process.pid == master and stack.worker_pids() == workers,
    }  # fmt: skip


def mongo_stopped(stack, load, outage=8.0, answer_within=2.5):
    """Stop the Mongo-wire server (SIGTERM), keep the load on, start it again on its data.

    While it is down, an uncached read is sent every 0.25 s: each must come back as a 503
    envelope with Retry-After, quickly (the load's in-flight requests at the moment of the
    stop may take up to the operation budget; these probes are sent after it is gone).
    """
    master, workers = stack.gunicorn.process.pid, stack.worker_pids()
    stopping = time.monotonic()
    stack.mongo.stop()
    started = time.monotonic()
    # Requests in flight at the stop hold the sync workers for up to the 2 s operation budget;
    # a probe sent at once queued behind them (2.8 s, in about one run in three).
    time.sleep(IN_FLIGHT_DRAIN_SECONDS)
    probes = []
    while time.monotonic() - started < outage:
        status, headers, body, seconds = _uncached_probe(stack, load)
        code = body.get("code") if isinstance(body, dict) else None
        probes.append((status, code, bool(headers.get("Retry-After")), seconds))
        time.sleep(0.25)
    ready_status = request(stack.port, "GET", "/ready")[0]
    stack.mongo.start(timeout=60)
    repaired = time.monotonic()
    recovered = wait_until(lambda: ready(stack) and writes_succeed(stack, load), 60, 0.5)
    window, _ = _window(load, started, repaired)
    latencies = sorted(probe[3] for probe in probes)
    checks = {
        "every read sent while it is down: 503 DATABASE_UNAVAILABLE with Retry-After": all(
            probe[:3] == (503, "DATABASE_UNAVAILABLE", True) for probe in probes
        ),
        f"... answered within {answer_within:g} s": latencies[-1] <= answer_within,
        "/ready is 503": ready_status == 503,
        **_database_outage_checks(stack, window, recovered, master, workers),
    }
    observed = {
        "SIGTERM to exit": f"{started - stopping:.2f} s",
        "reads while down": f"{len(probes)}, first {latencies and probes[0][3]:.2f} s, "
        f"median {latencies[len(latencies) // 2]:.2f} s, max {latencies[-1]:.2f} s",
        "ready during outage": ready_status,
    }
    return {"fault": "Mongo-wire server stopped and restarted", "outage_s": outage,
            "window": window, "recovery_s": recovered, "checks": checks,
            "observed": observed}  # fmt: skip


def mongo_killed(stack, load, outage=5.0):
    """SIGKILL the Mongo-wire server mid-writes (no shutdown, no flush), restart it on its data.

    Every write acknowledged before the kill (w: majority, journaled) must read back after it.
    """
    master, workers = stack.gunicorn.process.pid, stack.worker_pids()
    before = check_ledger(stack, load)["acknowledged"]
    started = time.monotonic()
    stack.mongo.kill()
    time.sleep(outage)
    stack.mongo.start(timeout=60)
    repaired = time.monotonic()
    recovered = wait_until(lambda: ready(stack) and writes_succeed(stack, load), 60, 0.5)
    window, _ = _window(load, started, repaired)
    checks = _database_outage_checks(stack, window, recovered, master, workers)
    return {"fault": "Mongo-wire server SIGKILLed mid-writes and restarted", "outage_s": outage,
            "window": window, "recovery_s": recovered, "checks": checks,
            "observed": {"writes acknowledged before the kill": before}}  # fmt: skip


@dataclass
class Target:
    """An aimed request: where it writes, what it sends, the id bytes only it writes, and the
    effects (read from the database) it must leave exactly once."""

    collection: str
    path: str
    body: dict
    marker: bytes
    effects: object
    expected: dict


def _enrollment_target(load):
    """A student and a room with seats: POST /enrollments, and what must hold after."""
    room = load.new_classroom(f"Aimed room {uuid.uuid4().hex[:6]}", capacity=3)
    entry = load.new_entry("setup", prefix="aimed-student")
    student = load.acknowledged("/api/v1/students", {"name": "Aimed Pupil", "admissionYear": 2025},
                                entry.key, entry)["student"]["id"]  # fmt: skip

    def effects(db):
        enrollments = list(db.enrollments.find({"studentId": ObjectId(student)}))
        seats = db.classrooms.find_one({"_id": ObjectId(room)})["enrolledCount"]
        placed = db.students.find_one({"_id": ObjectId(student)}).get("classroomId")
        return {"enrollments": len(enrollments), "seats taken": seats,
                "student placed": placed == ObjectId(room)}  # fmt: skip

    expected = {"enrollments": 1, "seats taken": 1, "student placed": True}
    body = {"studentId": student, "classroomId": room}
    return Target("enrollments", "/api/v1/enrollments", body, ObjectId(student).binary, effects,
                  expected)  # fmt: skip


def _payment_target(load):
    """An issued invoice: POST /fees/payments, and what must hold after."""
    tag = uuid.uuid4().hex[:6]
    room = load.new_classroom(f"Billed room {tag}", capacity=3)
    entry = load.new_entry("setup", prefix="billed")
    pupil = {"name": "Billed Pupil", "admissionYear": 2025, "classroomId": room}
    load.acknowledged("/api/v1/students", pupil, entry.key + "-s", entry)
    structure = load.acknowledged("/api/v1/fees/structures", {
        "name": f"Aimed fees {tag}", "academicYear": "2025-2026",
        "heads": [{"code": "tuition", "name": "Tuition", "amountMinor": 100_000}],
        "instalments": [{"dueDate": "2025-09-15"}],
    }, entry.key + "-f", entry)["structure"]["id"]  # fmt: skip
    billing = {"classroomId": room, "issue": True}
    batch = load.acknowledged(f"/api/v1/fees/structures/{structure}/invoices", billing,
                              entry.key + "-i", entry)  # fmt: skip
    invoice = batch["invoices"][0]["id"]

    def effects(db):
        payments = list(db.payments.find({"invoiceId": ObjectId(invoice)}))
        paid = db.invoices.find_one({"_id": ObjectId(invoice)})["paidMinor"]
        receipts = {payment["receiptNumber"] for payment in payments}
        return {"payments": len(payments), "paid on the invoice": paid,
                "receipt numbers": len(receipts)}  # fmt: skip

    expected = {"payments": 1, "paid on the invoice": 25_000, "receipt numbers": 1}
    body = {"invoiceId": invoice, "amountMinor": 25_000, "method": "cash"}
    return Target("payments", "/api/v1/fees/payments", body, ObjectId(invoice).binary, effects,
                  expected)  # fmt: skip


TARGETS = {"enrollment": _enrollment_target, "payment": _payment_target}


def transaction_interrupted(target, after_commit):
    """A fault: kill the worker serving a target request at its transaction's commit."""

    def fault(stack, load):
        return worker_killed_in_transaction(stack, load, target, after_commit)

    fault.__name__ = f"{target}_{'answer_lost' if after_commit else 'commit_unsent'}"
    return fault


def worker_killed_in_transaction(stack, load, target, after_commit):
    """SIGKILL the worker inside a transaction, at its commit, then retry with the same key.

    The relay holds the commit (nothing committed: the retry must apply it once) or the
    server's answer to it (committed, never answered: the retry must find it and apply
    nothing twice). Either way: one document, its counters moved once, no 500.
    """
    aimed = TARGETS[target](load)
    path, body = aimed.path, aimed.body
    key = f"aimed-{target}-{uuid.uuid4().hex[:8]}"
    trap = stack.proxy.arm(aimed.collection, after_commit=after_commit, marker=aimed.marker)
    started = time.monotonic()
    first = {}

    def send():
        try:
            first["status"] = request(stack.port, "POST", path, load.token, body,
                                      {"Idempotency-Key": key}, timeout=30)[0]  # fmt: skip
        except (OSError, http.client.HTTPException) as error:
            first["status"] = type(error).__name__

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    caught = trap.caught.wait(20)
    victim = (
        socket_owner(trap.client_port, stack.proxy.port, stack.worker_pids()) if caught else None
    )
    if victim is not None:
        os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    trap.release.set()
    sender.join(40)
    if caught and not after_commit:
        # mongod aborts an abandoned transaction after transactionLifetimeLimitSeconds (60 s);
        # secantusdb never does, and its open writes would block others forever. The harness
        # ends the dead worker's session, as that limit would, sooner.
        stack.client.admin.command("killSessions", [trap.lsid])
    entry = LedgerEntry(f"aimed {target}", key, kind="setup")
    retried = load.acknowledged(path, body, key, entry)
    acknowledged_after = time.monotonic() - killed_at
    repaired = time.monotonic()
    recovered = wait_until(lambda: len(stack.worker_pids()) == stack.workers, 30)
    window, _ = _window(load, started, repaired, settle=0.5)
    observed_effects = aimed.effects(stack.db)
    checks = {
        "the kill landed at the commit (held at the relay)": victim is not None,
        "the killed request got no 201": first.get("status") != 201,
        "the retry with the same key is acknowledged": retried is not None,
        f"after recovery: {aimed.expected}": observed_effects == aimed.expected,
        "no 500, every 5xx a JSON envelope": window["500"] == 0 and window["non_json_5xx"] == 0,
        "workers replaced": recovered is not None,
    }
    point = "its answer held (committed)" if after_commit else "its commit held (not sent)"
    article = "an" if target[0] in "aeiou" else "a"
    return {"fault": f"worker SIGKILLed inside {article} {target} transaction, {point}",
            "outage_s": None, "window": window, "recovery_s": recovered, "checks": checks,
            "observed": {"killed request's answer": first.get("status"),
                         "retry acknowledged after": f"{acknowledged_after:.1f} s, "
                         f"{entry.attempts} attempts (the dead attempt's lease runs out first)",
                         "after recovery": observed_effects}}  # fmt: skip


def worker_killed(stack, load, kills=3, interval=2.0):
    """SIGKILL a gunicorn worker in the middle of the writes, several times."""
    started = time.monotonic()
    for number in range(kills):
        pids = stack.worker_pids()
        os.kill(pids[number % len(pids)], signal.SIGKILL)
        time.sleep(interval)
    repaired = time.monotonic()
    recovered = wait_until(lambda: len(stack.worker_pids()) == stack.workers, 30)
    window, _ = _window(load, started, repaired)
    checks = {
        # A sync worker has one request in flight: each kill may fail at most that one.
        f"at most {kills} failed requests (the in-flight ones)": window["5xx"]
        + window["connection_errors"]
        <= kills,
        "no 500, every 5xx a JSON envelope": window["500"] == 0 and window["non_json_5xx"] == 0,
        "workers replaced": recovered is not None,
    }
    return {"fault": f"gunicorn worker SIGKILLed x{kills} mid-writes", "outage_s": None,
            "window": window, "recovery_s": recovered, "checks": checks,
            "observed": {"abandoned transactions ended by the lifetime limit so far":
                         stack.proxy.abandoned_sessions_killed}}  # fmt: skip


def run_faults(stack, faults, writers=3, readers=3, enrollers=1, warmup=3.0, report=print):
    """Run faults one after another under one steady load; each fault's ledger is checked
    after it, over the writes that overlapped it (started then, or still unanswered)."""
    load = Load(stack, writers=writers, readers=readers, enrollers=enrollers).start()
    results = []
    try:
        time.sleep(warmup)
        baseline = summarise(load.outcomes)
        report(f"steady load: {baseline['requests']} requests in {warmup:g} s, "
               f"p50 {baseline['p50_ms']} ms, p99 {baseline['p99_ms']} ms")  # fmt: skip
        for fault in faults:
            began = time.monotonic()
            result = fault(stack, load)
            result["ledger"] = check_ledger(stack, load, since=began)
            results.append(result)
            report(describe(result))
    finally:
        load.stop()
    final = check_ledger(stack, load)
    report(f"final ledger: {final}")
    return results, final, load


def passed(result):
    """Every check held and the ledger is clean."""
    ledger = result["ledger"]
    return all(result["checks"].values()) and not (
        ledger["lost"] or ledger["duplicates"] or ledger["unreadable"] or ledger["gave_up"]
        or ledger["half_applied"]
    )  # fmt: skip


def describe(result):
    """A few lines for the terminal."""
    window, ledger = result["window"], result["ledger"]
    recovery = result["recovery_s"]
    lines = [
        f"== {result['fault']}: {'PASS' if passed(result) else 'FAIL'}",
        f"   ledger: acknowledged {ledger['acknowledged']} ({ledger['enrollments']} enrollments), "
        f"lost {ledger['lost']}, duplicates {ledger['duplicates']}, "
        f"half applied {ledger['half_applied']}, unreadable {ledger['unreadable']}, "
        f"retried {ledger['retried']}, gave up {ledger['gave_up']}",
        f"   window: {window['requests']} requests, statuses {window['statuses']}, "
        f"5xx {window['5xx']} (500: {window['500']}), p50 {window['p50_ms']} ms, "
        f"p99 {window['p99_ms']} ms, max {window['max_ms']} ms",
        f"   recovery: {f'{recovery:.2f} s' if recovery is not None else 'NOT RECOVERED'}",
    ]
    lines += [f"   [{'ok' if ok else 'FAILED'}] {name}" for name, ok in result["checks"].items()]
    lines += [f"   {name}: {value}" for name, value in result["observed"].items()]
    return "\n".join(lines)
