"""`make loadtest`: 1,000 concurrent locust users with think time on the mixed workload.

Starts the stack like `make bench` (scale S data under var/bench/S, seeded if missing),
pre-issues tokens, runs locust headless and prints req/s, percentiles, failures and the
cache hit ratio (from /metrics). Writes docs/benchmarks/loadtest.md.
Usage: make loadtest [LOADTEST_USERS=1000] [LOADTEST_SECONDS=180] [LOADTEST_WORKERS=2]
"""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pymongo import MongoClient  # noqa: E402

from scripts.bench.run import BASE_STUDENTS, Stack, cache_totals, http, seed  # noqa: E402
from scripts.localservers import MongoServer, RedisServer  # noqa: E402

USERS = int(os.environ.get("LOADTEST_USERS", "1000"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "180"))
WORKERS = int(os.environ.get("LOADTEST_WORKERS", "2"))
PASSWORD = "Seeded-School-Passphrase-1"
OUT = ROOT / "docs" / "benchmarks"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def accounts(base, db, teachers=40, students=150):
    """Tokens for a sample of each role (issued through the login endpoint)."""

    def token(email):
        return http(base, "POST", "/api/v1/auth/login",
                    body={"email": email, "password": PASSWORD})[2]["token"]  # fmt: skip

    rooms = [str(c["_id"]) for c in db.classrooms.find({}, {"_id": 1})]
    admin = db.users.find_one({"role": "admin"})
    result = {"admins": [{"token": token(admin["email"]), "classrooms": rooms}],
              "teachers": [], "students": []}  # fmt: skip
    for user in db.users.find({"role": "teacher"}).limit(teachers):
        room = user["classroomIds"][0]
        roster = [str(s["_id"]) for s in db.students.find({"classroomId": room}, {"_id": 1})]
        result["teachers"].append({"token": token(user["email"]), "classroom": str(room),
                                   "roster": roster})  # fmt: skip
    for user in db.users.find({"role": "student"}).limit(students):
        result["students"].append({"token": token(user["email"]),
                                   "student": str(user["studentId"])})  # fmt: skip
    return result


def main():
    """Stack up, locust, summary."""
    data = ROOT / "var" / "bench" / "S"
    data.mkdir(parents=True, exist_ok=True)
    scratch = data / "loadtest"
    subprocess.run(["rm", "-rf", str(scratch)], check=True)
    scratch.mkdir()
    mongo = MongoServer(data / "mongo", log_path=data / "mongo.log").start(timeout=120)
    redis_server = RedisServer().start()
    try:
        uri = mongo.uri + "educatenext"
        seed("S", BASE_STUDENTS, uri, "educatenext")
        db = MongoClient(uri)["educatenext"]
        api = Stack("S", uri, "educatenext", redis_server.url, scratch).serve(workers=WORKERS)
        try:
            (scratch / "accounts.json").write_text(json.dumps(accounts(api.url, db)))
            before = cache_totals(api.url)
            env = {**os.environ, "LOADTEST_ACCOUNTS": str(scratch / "accounts.json")}
            subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE),
                 "--headless", "-u", str(USERS), "-r", "100", "-t", f"{SECONDS}s",
                 "--host", api.url, "--csv", str(scratch / "locust"), "--only-summary"],
                env=env, check=False,
            )  # fmt: skip
            after = cache_totals(api.url)
        finally:
            api.stop()
    finally:
        redis_server.stop()
        mongo.stop()
    hits, misses = after[0] - before[0], after[1] - before[1]
    ratio = hits / max(1.0, hits + misses)
    rows = list(csv.DictReader(open(scratch / "locust_stats.csv")))  # noqa: SIM115
    lines = [
        "# Load test: 1,000 concurrent users" if USERS == 1000 else f"# Load test: {USERS} users",
        "",
        f"locust, {USERS} users (admins 1 : teachers 3 : students 6), think time 5-15 s, "
        f"{SECONDS} s, ramp 100 users/s; gunicorn {WORKERS} sync workers, production config, "
        "scale S.",
        "",
        "| endpoint | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} |"
        )
    lines += [
        "",
        f"Cache hit ratio over the run: {ratio:.1%} ({hits:.0f} hits, {misses:.0f} misses)",
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "loadtest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
