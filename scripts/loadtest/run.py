"""`make loadtest`: 1,000 concurrent locust users with think time on the mixed workload.

Starts the stack like `make bench` (scale S data under var/bench/S, seeded if missing),
pre-issues tokens, runs locust headless and prints req/s, percentiles, failures and the
cache hit ratio (from /metrics). Writes docs/benchmarks/loadtest.md.
Besides the whole run, it reports the steady state: requests that started after the first
LOADTEST_WARMUP_SECONDS (the cold start, when every user's first visits are misses), with the
hit ratio over the same window.
Usage: make loadtest [LOADTEST_USERS=1000] [LOADTEST_SECONDS=180] [LOADTEST_WORKERS=2]
       [LOADTEST_WARMUP_SECONDS=60] [LOADTEST_ARRIVAL=spread|burst]
"""

import csv
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bson import ObjectId  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from devservers.processes import MongoServer, RedisServer  # noqa: E402
from scripts.bench.run import (  # noqa: E402
    BASE_STUDENTS,
    Stack,
    cache_totals,
    http,
    metrics_text,
    seed,
)

USERS = int(os.environ.get("LOADTEST_USERS", "1000"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "180"))
WORKERS = int(os.environ.get("LOADTEST_WORKERS", "2"))
WARMUP = int(os.environ.get("LOADTEST_WARMUP_SECONDS", "60"))
ARRIVAL = os.environ.get("LOADTEST_ARRIVAL", "spread")  # see locustfile.py
ARRIVALS = {
    "spread": "each user's first request at a random moment within its spawn second",
    "burst": "locust's own: each second's 100 users' first requests at the same moment",
}
PASSWORD = "Seeded-School-Passphrase-1"
OUT = ROOT / "docs" / "benchmarks"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def accounts(base, db, teachers=40, students=150):
    """Tokens for a sample of each role (issued through the login endpoint)."""

    def token(email):
        return http(base, "POST", "/api/v1/auth/login",
                    body={"email": email, "password": PASSWORD})[2]["token"]  # fmt: skip

    admin = db.users.find_one({"role": "admin"})
    school = admin["institutionId"]  # every query by school, as the API's (index seeks)
    rooms = [str(c["_id"]) for c in db.classrooms.find({"institutionId": school}, {"_id": 1})]
    result = {"admins": [{"token": token(admin["email"]), "classrooms": rooms}],
              "teachers": [], "students": []}  # fmt: skip
    for user in db.users.find({"institutionId": school, "role": "teacher"}).limit(teachers):
        room = user["classroomIds"][0]
        pupils = db.students.find({"institutionId": school, "classroomId": room}, {"_id": 1})
        roster = [str(s["_id"]) for s in pupils]
        result["teachers"].append({"token": token(user["email"]), "classroom": str(room),
                                   "roster": roster})  # fmt: skip
    cashier = db.users.find_one({"institutionId": school, "role": "cashier"})
    finance = db.users.find_one({"institutionId": school, "role": "finance"})
    unpaid = [str(i["_id"]) for i in db.invoices.find(
        {"institutionId": school, "status": "issued"}, {"_id": 1}).limit(50)]  # fmt: skip
    result["fees"] = [{"cashier": token(cashier["email"]), "finance": token(finance["email"]),
                       "invoices": unpaid}]  # fmt: skip
    for user in db.users.find({"institutionId": school, "role": "student"}).limit(students):
        result["students"].append({"token": token(user["email"]),
                                   "student": str(user["studentId"])})  # fmt: skip
    return result


def start_of_day(db, sample):
    """Remove today's attendance of the sampled classrooms (left by an earlier run or make bench).

    The test is the start of a school day: each teacher's first roster writes and stales the
    school's attendance entries. Without this a second run on the same day would only re-send
    unchanged rosters (no writes, no invalidations) and compare unlike with like.
    """
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rooms = [ObjectId(teacher["classroom"]) for teacher in sample["teachers"]]
    # By the school too, as the API's queries are: without it the development server scans
    # the whole attendance collection (1.7 s at S) just before the run starts.
    school = db.classrooms.find_one({"_id": rooms[0]})["institutionId"]
    removed = db.attendance.delete_many(
        {"institutionId": school, "classroomId": {"$in": rooms}, "date": day}
    )
    # The day's summary (completion reads it) must forget them too, as if never taken, and
    # its remembered answer with them (it assumed the taken set only grows).
    db.attendance_days.update_many(
        {"institutionId": school, "date": day},
        {"$pull": {"classroomIds": {"$in": rooms}}, "$unset": {"missing": ""}},
    )
    print(f"start of day: {removed.deleted_count} attendance records of today removed")


def main():
    """Stack up, locust, summary."""
    if ARRIVAL not in ARRIVALS:
        raise SystemExit(f"LOADTEST_ARRIVAL must be one of {', '.join(ARRIVALS)}")
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
            sample = accounts(api.url, db)
            (scratch / "accounts.json").write_text(json.dumps(sample))
            start_of_day(db, sample)
            before = cache_totals(api.url)
            log = scratch / "requests.csv"
            env = {**os.environ, "LOADTEST_ACCOUNTS": str(scratch / "accounts.json"),
                   "LOADTEST_REQUEST_LOG": str(log)}  # fmt: skip
            started = time.time()
            locust = subprocess.Popen(
                [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE),
                 "--headless", "-u", str(USERS), "-r", "100", "-t", f"{SECONDS}s",
                 "--host", api.url, "--csv", str(scratch / "locust"), "--only-summary"],
                env=env,
            )  # fmt: skip
            time.sleep(max(0.0, started + WARMUP - time.time()))
            warm = cache_totals(api.url)
            locust.wait()
            after = cache_totals(api.url)
            areas = cache_areas(metrics_text(api.url))
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
        f"{SECONDS} s, ramp 100 users/s ({ARRIVAL} arrivals: {ARRIVALS[ARRIVAL]}); "
        f"gunicorn {WORKERS} sync workers, production config, scale S.",
        "",
        "| endpoint | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} |"
        )
    steady_hits, steady_misses = after[0] - warm[0], after[1] - warm[1]
    lines += [
        "",
        f"Cache hit ratio over the run: {ratio:.1%} ({hits:.0f} hits, {misses:.0f} misses)",
        "",
        "## Whole run and steady state",
        "",
        f"Steady state: requests that started {WARMUP} s or more after locust started (all "
        "users arrive in the first 10 s and their first visits are misses).",
        "",
        "| window | requests | failures | p50 ms | p95 ms | p99 ms | max ms | hit ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        _window_row("whole run", _requests(log), hits, misses),
        _window_row(
            f"after {WARMUP} s", _requests(log, since=started + WARMUP), steady_hits, steady_misses
        ),
    ]
    lines += [
        "",
        "## Per cache area",
        "",
        "A miss builds the response from MongoDB. A fill wait is a miss that found another "
        "worker building the same entry: it waited and served that entry (counted as a hit), "
        "or built its own (the entry was read before a write it saw, or the wait ran out).",
        "",
        "| area | hits | misses | hit ratio | fill waits served | fill waits built |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for area, counts in sorted(areas.items()):
        looked = counts["hit"] + counts["miss"]
        lines.append(
            f"| {area} | {counts['hit']:.0f} | {counts['miss']:.0f} | "
            f"{counts['hit'] / max(1.0, looked):.1%} | {counts['served']:.0f} | "
            f"{counts['built']:.0f} |"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "loadtest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def cache_areas(text):
    """{area: {hit, miss, served, built}} from /metrics (lookups and fill waits)."""
    areas = {}
    pattern = (
        r'educatenext_cache_(lookups|fill_waits)_total\{area="([^"]+)",'
        r'(?:outcome|result)="(\w+)"\} (\S+)'
    )
    for line in text.splitlines():
        match = re.match(pattern, line)
        if match:
            counts = areas.setdefault(
                match.group(2), dict.fromkeys(("hit", "miss", "served", "built"), 0.0)
            )
            counts[match.group(3)] += float(match.group(4))
    return areas


def _requests(log, since=0.0):
    """(milliseconds, failed) of the logged requests that started at or after since."""
    with open(log, newline="") as rows:
        return [(float(ms), int(failed)) for start, _, ms, failed in csv.reader(rows)
                if float(start) >= since]  # fmt: skip


def _window_row(label, requests, hits, misses):
    """A table row: count, failures, nearest-rank percentiles, hit ratio from /metrics."""
    times = sorted(ms for ms, _ in requests)

    def percentile(share):
        return times[min(len(times) - 1, int(share * len(times)))] if times else 0.0

    failures = sum(failed for _, failed in requests)
    ratio = hits / max(1.0, hits + misses)
    return (
        f"| {label} | {len(times):,} | {failures} | {percentile(0.5):.0f} | "
        f"{percentile(0.95):.0f} | {percentile(0.99):.0f} | {times[-1] if times else 0:.0f} | "
        f"{ratio:.1%} |"
    )


if __name__ == "__main__":
    main()
