"""p50 growth S -> 10xS of the indexed read and report endpoints, one request at a time.

`make bench` measures at 64 connections, where the uncached lines mostly measure queueing
on the development server. This runs each endpoint uncached (no Redis: caching off), in
process, sequentially, ROUNDS times per scale on the data under var/bench/<scale> (S and 10S
are `make bench`'s; a scale not seeded yet is seeded first, as `make bench` seeds), every
scale's server running at once and their requests interleaved, and writes
docs/benchmarks/growth.md. GROWTH_SCALES=S,10S measures only those (S is always measured);
an unmeasured scale's columns read "not measured".
"""

import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pymongo import MongoClient  # noqa: E402

from devservers.processes import MongoServer  # noqa: E402
from scripts.bench.run import BASE_STUDENTS, SCALES, report_paths, seed  # noqa: E402

ROUNDS = int(os.environ.get("GROWTH_ROUNDS", "30"))
ENV = {"EDUCATENEXT_ENV": "development", "REDIS_URL": "", "LOG_LEVEL": "WARNING",
       "RATELIMIT_READ": "1000000 per minute",
       # The development server just started on 10xS answers its first login after more
       # than the API's 2 s budget (a 503 every time): a measurement, not a budget.
       "MONGO_OPERATION_TIMEOUT_MS": "60000"}  # fmt: skip
CHOSEN = {"S", *os.environ.get("GROWTH_SCALES", ",".join(SCALES)).split(",")}
PASSWORD = "Seeded-School-Passphrase-1"
BENCH_CLASSROOM = "Grade 5 A"  # scripts/bench/run.py context()


def last_seeded_day(db, classroom):
    """The latest school day before today with the classroom's seeded attendance.

    Not today: `make loadtest` and `make bench` write today's attendance (at one scale more
    than at another), and the school-wide reports read every record of their day.
    """
    today = datetime.combine(datetime.now(UTC).date(), datetime.min.time())
    record = db.attendance.find_one(
        {"classroomId": classroom["_id"], "date": {"$lt": today}}, sort=[("date", -1)]
    )
    return record["date"].date()


@dataclass
class OpenedScale:
    """One scale's running server and an in-process app logged in as a school's admin."""

    server: MongoServer
    client: object
    token: str
    paths: list  # (endpoint, path, token), the same endpoints in the same order at every scale
    students: int


def open_scale(scale):
    """The scale's server and app (seeded first if var/bench/<scale> has no data yet)."""
    data = ROOT / "var" / "bench" / scale
    mongo = MongoServer(data / "mongo", log_path=data / "growth-mongo.log").start(timeout=300)
    try:
        schools, students = SCALES[scale]
        seed(scale, students, mongo.uri + "educatenext", "educatenext", institutions=schools)
        os.environ.update(ENV)
        from educatenext import create_app

        client = create_app({"MONGO_URI": mongo.uri + "educatenext"}).test_client()
        db = MongoClient(mongo.uri).educatenext
        # Not make bench's classroom: its write steps add grade entries and attendance there
        # (more at the scale where writes ran faster), which would grow these answers.
        classroom = db.classrooms.find_one({"name": {"$ne": BENCH_CLASSROOM}}, sort=[("name", 1)])
        student = db.students.find_one({"classroomId": classroom["_id"]})
        admin = db.users.find_one({"role": "admin", "institutionId": classroom["institutionId"]})
        login = client.post(
            "/api/v1/auth/login", json={"email": admin["email"], "password": PASSWORD}
        )
        assert login.status_code == 200, login.get_json()
        token = login.get_json()["token"]
        ctx = {"classroom": str(classroom["_id"]), "student": str(student["_id"]), "admin": token}
        paths = [("student list", f"/api/v1/students?classroomId={ctx['classroom']}&limit=50",
                  token), *report_paths(ctx, last_seeded_day(db, classroom))]  # fmt: skip
        return OpenedScale(mongo, client, token, paths, db.students.estimated_document_count())
    except BaseException:
        mongo.stop()
        raise


def measure(scales):
    """{scale: {"students": n, "p50": {endpoint: ms}}}, the scales' requests interleaved.

    Round by round, each scale's request in turn (the order rotating), so that whatever
    else slows the machine for a while slows every scale alike instead of the one measured
    then (the scales used to be measured one after another, minutes apart).
    """
    opened = {}
    try:
        for scale in scales:
            opened[scale] = open_scale(scale)
        spent = {scale: {} for scale in scales}
        names = [name for name, _, _ in opened[scales[0]].paths]
        for index, name in enumerate(names):
            for round_number in range(ROUNDS):
                turn = round_number % len(scales)
                for scale in scales[turn:] + scales[:turn]:
                    here = opened[scale]
                    path = here.paths[index][1]
                    started = time.perf_counter()
                    response = here.client.get(
                        path, headers={"Authorization": f"Bearer {here.token}"}
                    )
                    spent[scale].setdefault(name, []).append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
            for scale in scales:
                p50 = statistics.median(spent[scale][name])
                print(f"[{scale}] {name:<22} p50 {p50:8.1f} ms", flush=True)
        return {
            scale: {"students": opened[scale].students,
                    "p50": {name: statistics.median(times) for name, times in spent[scale].items()}}
            for scale in scales
        }  # fmt: skip
    finally:
        for here in opened.values():
            here.server.stop()


def main():
    """Every scale, then the report."""
    measured = measure([scale for scale in SCALES if scale in CHOSEN])
    small = measured["S"]

    def growth_cells(scale, name):
        if scale not in measured:
            return "not measured | | "
        growth = measured[scale]["p50"][name] / small["p50"][name]
        return (f"{measured[scale]['p50'][name]:.1f} | {growth:.2f}x | "
                f"{'yes' if growth <= 1.3 else 'no'}")  # fmt: skip

    lines = [
        "# p50 growth from S to 10xS, one request at a time",
        "",
        f"`python scripts/bench/report_growth.py`, {time.strftime('%Y-%m-%d')}: uncached (no "
        f"Redis), in process, sequential, {ROUNDS} requests per endpoint and scale as one "
        f"school's admin, the scales' requests interleaved (each round one per scale), "
        f"on the last seeded school day (not today: the load test and the benchmark write "
        f"today's attendance). "
        f"S = one school of {small['students']:,} students; 10xS grown two ways, each with "
        f"{BASE_STUDENTS * 10:,} students and ten times S's attendance: one school ten "
        f"times S's size, and ten schools of S's size (the platform grows by schools; the "
        f"measured school is one of the ten).",
        "",
        "| endpoint | p50 at S ms | one school 10x: p50 ms | growth | ≤ 1.3x "
        "| ten schools: p50 ms | growth | ≤ 1.3x |",
        "|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for name, before in small["p50"].items():
        lines.append(f"| {name} | {before:.1f} | {growth_cells('10S', name)} | "
                     f"{growth_cells('10S-schools', name)} |")  # fmt: skip
    out = ROOT / "docs" / "benchmarks" / "growth.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
