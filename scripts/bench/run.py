"""`make bench`: the real stack (gunicorn, production config, secantusdb, redis-server) under wrk.

For each scale (S and 10xS) it seeds a database once (kept under var/bench/<scale>, reused by
later runs), then measures in one run: the bare-Flask ceiling, raw pymongo behind the same
gunicorn settings, per-layer costs, cached and uncached list reads, every report endpoint
uncached and cached, writes, a mixed workload and throughput against concurrency. Writes
docs/benchmarks/README.md (Markdown) and PNG plots next to it.

Usage: make bench  [BENCH_SCALES=S,10S] [BENCH_SECONDS=8] [BENCH_STUDENTS=10000]
"""

import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import click  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from devservers.processes import GunicornServer, MongoServer, RedisServer  # noqa: E402

OUT = ROOT / "docs" / "benchmarks"
LUA = Path(__file__).with_name("report.lua")
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
BASE_STUDENTS = int(os.environ.get("BENCH_STUDENTS", "10000"))
DAYS = 10  # 10 x S: 100,000 students x 10 school days = 1,000,000 attendance records
PASSWORD = "Seeded-School-Passphrase-1"
UNLIMITED = "100000000 per minute"
LOGIN_WARMUP_SECONDS = 300
# scale -> (schools, students in all). make bench runs S and 10S; report_growth.py also
# 10S-schools: the platform grown tenfold by schools of S's size rather than one school grown
# tenfold (the same 100,000 students and 1,000,000 attendance records as 10S).
SCALES = {"S": (1, BASE_STUDENTS), "10S": (1, 10 * BASE_STUDENTS),
          "10S-schools": (10, 10 * BASE_STUDENTS)}  # fmt: skip


def wrk(entries, connections=CONNECTIONS, seconds=SECONDS, base="http://127.0.0.1"):
    """Run wrk over 'METHOD|PATH|TOKEN|BODY' entries; returns the parsed summary."""
    argv = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
            "-s", str(LUA), base, "--", *entries]  # fmt: skip
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    stats = json.loads(output.strip().splitlines()[-1])
    seconds_run = stats["duration_us"] / 1e6
    errors = sum(stats[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "rps": stats["requests"] / seconds_run,
        "p50": stats["p50_us"] / 1000,
        "p95": stats["p95_us"] / 1000,
        "p99": stats["p99_us"] / 1000,
        "requests": stats["requests"],
        "errors": errors,
        "error_rate": errors / max(1, stats["requests"]),
    }


def http(base, method, path, token=None, body=None):
    """One request; returns (status, headers, parsed body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        text = response.read()
        content_type = response.headers.get("Content-Type", "")
        parsed = json.loads(text) if content_type.startswith("application/json") else text
        return response.status, response.headers, parsed


def when_ready(call):
    """call(), retried while the server answers 503 (a cold server warming up) until a deadline.

    A cold server on 10xS's million records answers 503 (its database budget ran out) for a
    while: waiting on a deadline, not a count, waits out the warm-up instead of ending the run.
    """
    deadline = time.monotonic() + LOGIN_WARMUP_SECONDS
    while True:
        try:
            return call()
        except urllib.error.HTTPError as error:
            if error.code != 503 or time.monotonic() > deadline:
                raise
            time.sleep(int(error.headers.get("Retry-After", "2")))


def answer_bytes(base, path, token):
    """Bytes of one GET's body: tells a slower answer from a larger one between scales."""
    request = urllib.request.Request(base + path)  # noqa: S310
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return len(response.read())


def warm(base, path, token, times=3):
    """GET path a few times before measuring it."""
    for _ in range(times):
        when_ready(lambda: http(base, "GET", path, token))


def drain(base, quick_seconds=0.05, timeout=300.0):
    """Seconds until the server answers /health at once again after a wrk run.

    wrk stops at its deadline, but the connections it opened and abandoned are still queued
    in the listen backlog, and sync workers serve them all first: without this, a line that
    overloads the server hands its queue to the next line, which then measures that queue.
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        asked = time.monotonic()
        try:
            http(base, "GET", "/health")
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
            continue
        if time.monotonic() - asked < quick_seconds:
            break
    return time.monotonic() - started


def seed(scale, students, mongo_uri, db_name, institutions=1):
    """Seed once per scale: the generator through `flask seed` (bulk writes).

    students is the total; it is split evenly over institutions (schools of the same size).
    """
    client = MongoClient(mongo_uri)
    env = {**os.environ, "MONGO_URI": mongo_uri, "MONGO_DB_NAME": db_name,
           "EDUCATENEXT_ENV": "development", "FLASK_APP": "wsgi"}  # fmt: skip
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "migrate", "up"], env=env, cwd=ROOT, check=True)  # new indexes too
    if client[db_name].students.estimated_document_count() >= students:
        click.echo(f"[{scale}] reusing seeded data ({students:,} students)")
        return
    subprocess.run([*flask, "seed", "--institutions", str(institutions),
                    "--students", str(students // institutions), "--days", str(DAYS),
                    "--grades-per-student", "2"], env=env, cwd=ROOT, check=True)  # fmt: skip


# One set of secrets per benchmark run: tokens stay valid across the servers it starts.
SECRETS = {name: secrets.token_urlsafe(48)
           for name in ("SECRET_KEY", "JWT_SECRET", "QR_SECRET", "MFA_SECRET_KEY")}  # fmt: skip


def api_env(mongo_uri, db_name, redis_url, metrics_dir, **overrides):
    """Production configuration (as deployed), with limits that never reject the benchmark."""
    env = {
        "EDUCATENEXT_ENV": "production",
        **SECRETS,
        "MONGO_URI": mongo_uri,
        "MONGO_DB_NAME": db_name,
        "REDIS_URL": redis_url,
        "METRICS_TOKEN": "bench-metrics-token-0123456789",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_READ": UNLIMITED,
        "RATELIMIT_WRITE": UNLIMITED,
        "RATELIMIT_BULK": UNLIMITED,
        "RATELIMIT_DEFAULT": UNLIMITED,
        "LOGIN_RATE_LIMIT_PER_IP": UNLIMITED,
        "LOGIN_RATE_LIMIT_PER_ACCOUNT": UNLIMITED,
        "WEB_CONCURRENCY": "2",
    }
    env.update({key: str(value) for key, value in overrides.items()})
    return env


class Stack:
    """Start/stop gunicorn apps against one scale's servers."""

    def __init__(self, scale, mongo_uri, db_name, redis_url, scratch):
        self.scale, self.mongo_uri, self.db_name = scale, mongo_uri, db_name
        self.redis_url, self.scratch = redis_url, scratch

    def serve(self, app="wsgi:app", workers=2, **overrides):
        """A gunicorn (sync workers, gunicorn.conf.py) running app."""
        metrics_dir = self.scratch / f"metrics-{time.monotonic_ns()}"
        metrics_dir.mkdir()
        env = api_env(self.mongo_uri, self.db_name, self.redis_url, metrics_dir,
                      WEB_CONCURRENCY=workers, **overrides)  # fmt: skip
        server = GunicornServer(
            env, workers=workers, log_path=self.scratch / "gunicorn.log", app=app
        )
        return server.start(timeout=90)


def context(base, db):
    """Ids and tokens for the calls (one classroom, its teacher, one of its students)."""
    classroom = db.classrooms.find_one({"name": "Grade 5 A"}) or db.classrooms.find_one()
    student = db.students.find_one({"classroomId": classroom["_id"]})
    teacher = db.users.find_one({"role": "teacher", "classroomIds": classroom["_id"]})
    student_user = db.users.find_one({"studentId": student["_id"]})
    subject = db.subjects.find_one({"institutionId": classroom["institutionId"]})
    others = list(db.users.find({"role": "teacher"}, {"email": 1}).limit(6))
    pupils = list(db.users.find({"role": "student"}, {"email": 1, "studentId": 1}).limit(12))
    admin = db.users.find_one({"role": "admin", "institutionId": classroom["institutionId"]})
    cashier = db.users.find_one({"role": "cashier", "institutionId": classroom["institutionId"]})
    unpaid = db.invoices.find_one({"classroomId": classroom["_id"], "status": "issued"})
    unpaid = unpaid or db.invoices.find_one({"status": "issued"})
    open_invoices = db.invoices.find({"status": {"$in": ["issued", "partially_paid"]}}, {"_id": 1})

    def token(email):
        login = {"email": email, "password": PASSWORD}
        _, _, body = when_ready(lambda: http(base, "POST", "/api/v1/auth/login", body=login))
        return body["token"]

    roster = [s["_id"] for s in db.students.find({"classroomId": classroom["_id"]}, {"_id": 1})]
    return {
        "institution": str(classroom["institutionId"]),
        "classroom": str(classroom["_id"]),
        "student": str(student["_id"]),
        "subject": str(subject["_id"]),
        "roster": [str(i) for i in roster],
        "admin": token(admin["email"]),
        "cashier": token(cashier["email"]),
        "unpaid_invoice": str(unpaid["_id"]),
        "open_invoices": [str(invoice["_id"]) for invoice in open_invoices.limit(40)],
        "teacher": token(teacher["email"]),
        "student_token": token(student_user["email"]),
        "teachers": [(token(t["email"]), str(t["_id"])) for t in others],
        "pupils": [(token(p["email"]), str(p["studentId"])) for p in pupils],
    }


def report_paths(ctx, day=None):
    """The report endpoints (name, path, role token), on day (default: today)."""
    day = day or datetime.now(UTC).date()
    period = f"startDate={day - timedelta(days=30)}&endDate={day}"
    room, student = ctx["classroom"], ctx["student"]
    return [
        ("attendance summary", f"/api/v1/analytics/attendance/students/{student}?{period}",
         ctx["admin"]),
        ("daily sheet", f"/api/v1/analytics/attendance/classrooms/{room}/daily?date={day}",
         ctx["admin"]),
        ("chronic absence", f"/api/v1/analytics/attendance/chronic-absence?classroomId={room}"
         f"&{period}", ctx["admin"]),
        ("completion", f"/api/v1/analytics/attendance/completion?date={day}", ctx["admin"]),
        ("grade distribution", f"/api/v1/analytics/grades/distribution?classroomId={room}"
         "&academicYear=2025-2026", ctx["admin"]),
        ("GPA", f"/api/v1/grades/gpa/{student}?academicYear=2025-2026", ctx["admin"]),
        ("outstanding balances", f"/api/v1/fees/reports/outstanding?asOf={day}", ctx["admin"]),
    ]  # fmt: skip


def get(path, token):
    """A wrk entry for a GET."""
    return f"GET|{path}|{token}|"


def metrics_text(base):
    """The API's /metrics page."""
    request = urllib.request.Request(base + "/metrics")  # noqa: S310
    request.add_header("Authorization", "Bearer bench-metrics-token-0123456789")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.read().decode()


def cache_totals(base):
    """(hits, misses) summed over areas, from /metrics."""
    text = metrics_text(base)
    hits = misses = 0.0
    for line in text.splitlines():
        match = re.match(r'educatenext_cache_lookups_total\{.*result="(hit|miss)".*\} (\S+)', line)
        if match:
            if match.group(1) == "hit":
                hits += float(match.group(2))
            else:
                misses += float(match.group(2))
    return hits, misses


def run_scale(scale, students, results):
    """Every measurement at one scale."""
    data = ROOT / "var" / "bench" / scale
    data.mkdir(parents=True, exist_ok=True)
    scratch = data / "run"
    subprocess.run(["rm", "-rf", str(scratch)], check=True)
    scratch.mkdir()
    mongo = MongoServer(data / "mongo", log_path=data / "mongo.log").start(timeout=120)
    redis_server = RedisServer().start()
    db_name = "educatenext"
    out = results.setdefault(scale, {"students": students})
    try:
        uri = mongo.uri + db_name
        seed(scale, students, uri, db_name, institutions=SCALES[scale][0])
        db = MongoClient(uri)[db_name]
        out["attendance"] = db.attendance.estimated_document_count()
        out["students"] = db.students.estimated_document_count()
        stack = Stack(scale, uri, db_name, redis_server.url, scratch)
        rows = out.setdefault("rows", {})

        def measure(label, server, entries, **kw):
            stats = wrk(entries, base=server.url, **kw)
            stats["drain_seconds"] = drain(server.url)
            rows[label] = stats
            click.echo(f"[{scale}] {label:<42} {stats['rps']:>8.0f} req/s  p50 {stats['p50']:6.2f}"
                       f"  p95 {stats['p95']:6.2f}  p99 {stats['p99']:6.2f} ms"
                       f"  errors {stats['errors']}"
                       f"  drained in {stats['drain_seconds']:.1f} s")  # fmt: skip
            return stats

        server = stack.serve("scripts.bench_apps:bare")
        measure("(a) bare Flask ceiling", server, [get("/ping", "")])
        server.stop()

        api = stack.serve()
        ctx = context(api.url, db)
        list_path = f"/api/v1/students?classroomId={ctx['classroom']}&limit=50"
        measure("layer: API /health (app, no auth)", api, [get("/health", "")])
        measure("layer: /auth/me (auth, limiter)", api, [get("/api/v1/auth/me", ctx["admin"])])
        warm(api.url, list_path, ctx["admin"])
        measure("(b) cached list read", api, [get(list_path, ctx["admin"])])
        for connections in (8, 32, 128):
            measure(f"cached list @{connections} connections", api,
                    [get(list_path, ctx["admin"])], connections=connections)  # fmt: skip
        for name, path, token in report_paths(ctx):
            warm(api.url, path, token)
            measure(f"(d) {name} cached", api, [get(path, token)])
        today = datetime.now(UTC).date().isoformat()
        roster_bodies = [
            json.dumps({"classroomId": ctx["classroom"], "date": today,
                        "entries": [{"studentId": s, "status": status} for s in ctx["roster"]]})
            for status in ("present", "late")
        ]  # fmt: skip
        measure("(e) attendance roster (40 students)", api,
                [f"POST|/api/v1/attendance/roster|{ctx['teacher']}|{b}" for b in roster_bodies],
                connections=8)  # fmt: skip
        grade = json.dumps({"studentId": ctx["student"], "subjectId": ctx["subject"],
                            "classroomId": ctx["classroom"], "academicYear": "2025-2026",
                            "semester": "first", "gradeType": "quiz", "title": "Bench quiz",
                            "maxMarks": 20, "obtainedMarks": 15})  # fmt: skip
        measure("(e) grade entry", api, [f"POST|/api/v1/grades|{ctx['teacher']}|{grade}"],
                connections=8)  # fmt: skip
        payment = json.dumps({"invoiceId": ctx["unpaid_invoice"], "amountMinor": 1,
                              "method": "cash"})  # fmt: skip
        measure("(e) payment (1 cent, fresh Idempotency-Key)", api,
                [f"POST+|/api/v1/fees/payments|{ctx['cashier']}|{payment}"],
                connections=8)  # fmt: skip
        payments = [json.dumps({"invoiceId": invoice, "amountMinor": 1, "method": "cash"})
                    for invoice in ctx["open_invoices"]]  # fmt: skip
        measure("(e) payment, 40 invoices (a till each)", api,
                [f"POST+|/api/v1/fees/payments|{ctx['cashier']}|{body}" for body in payments],
                connections=8)  # fmt: skip
        before = cache_totals(api.url)
        measure("(f) mixed workload", api, mixed(ctx))
        after = cache_totals(api.url)
        hits, misses = after[0] - before[0], after[1] - before[1]
        out["mixed_hit_ratio"] = hits / max(1.0, hits + misses)
        api.stop()

        uncached = stack.serve(RESPONSE_CACHE_ENABLED="false")
        lines = [("(c) uncached list read", list_path, ctx["admin"])]
        lines += [(f"(d) {name} uncached", path, token) for name, path, token in report_paths(ctx)]
        for label, path, token in lines:
            measure(label, uncached, [get(path, token)])["bytes"] = answer_bytes(
                uncached.url, path, token
            )
        uncached.stop()

        # Production refuses a disabled limiter, so this pair runs the development config.
        for enabled in ("true", "false"):
            dev = stack.serve(EDUCATENEXT_ENV="development", RATELIMIT_ENABLED=enabled)
            warm(dev.url, list_path, ctx["admin"])
            label = "on" if enabled == "true" else "off"
            measure(f"layer: cached list, limiter {label} (dev config)", dev,
                    [get(list_path, ctx["admin"])])  # fmt: skip
            dev.stop()

        raw = stack.serve("scripts.bench_apps:raw")
        measure("(c) raw pymongo, same query", raw,
                [get(f"/raw/students?institutionId={ctx['institution']}"
                     f"&classroomId={ctx['classroom']}", "")])  # fmt: skip
        raw.stop()
    finally:
        redis_server.stop()
        mongo.stop()


def mixed(ctx):
    """Dashboards polling, teachers taking attendance, students reading grades."""
    day = datetime.now(UTC).date()
    room = ctx["classroom"]
    entries = []
    for _ in range(4):  # admin dashboard tiles
        entries += [
            get(f"/api/v1/students?classroomId={room}&limit=50", ctx["admin"]),
            get("/api/v1/classrooms?limit=50", ctx["admin"]),
            get(f"/api/v1/analytics/attendance/completion?date={day}", ctx["admin"]),
            get(f"/api/v1/analytics/attendance/classrooms/{room}/daily?date={day}", ctx["admin"]),
        ]
    for token, _ in ctx["teachers"]:
        entries += [get("/api/v1/students?limit=50", token), get("/api/v1/classrooms", token)]
    for token, student in ctx["pupils"]:
        entries += [get(f"/api/v1/grades/student/{student}", token),
                    get(f"/api/v1/grades/gpa/{student}?academicYear=2025-2026", token)]  # fmt: skip
    roster = json.dumps({"classroomId": room, "date": day.isoformat(),
                         "entries": [{"studentId": s, "status": "present"}
                                     for s in ctx["roster"]]})  # fmt: skip
    entries.append(f"POST|/api/v1/attendance/roster|{ctx['teacher']}|{roster}")
    return entries


def main():
    """Run the scales, then write the report."""
    from scripts.bench import report

    scales = os.environ.get("BENCH_SCALES", "S,10S").split(",")
    results = {"seconds": SECONDS, "connections": CONNECTIONS,
               "started": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
    for scale in scales:
        run_scale(scale, SCALES[scale][1], results)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "results.json").write_text(json.dumps(results, indent=2))
        report.write(results, OUT)
    click.echo(f"report: {OUT / 'README.md'}")


if __name__ == "__main__":
    main()
