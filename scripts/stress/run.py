"""`make stress`: a school morning's mixed load, stepped up until it bends, at a scale.

Starts the stack like `make loadtest` (the scale's seeded data under var/bench/<scale>,
seeded if missing; nginx is left out, gunicorn is served straight), gives every simulated
user an account of its own (seeded teachers and students; office and till accounts are
added for the run), and runs locust headless with StepShape: each step adds users, who log
in and then work with think time. Per step it reports throughput, p50/p95/p99, failures,
CPU and RSS of each gunicorn worker, Redis and the Mongo-wire server, and the knee (the
last step with p99 under STRESS_P99_MS and no failure). Beside them, the machine's speed:
bare Flask req/s under wrk. Writes docs/benchmarks/stress-<scale>.md and a plot.
Usage: make stress [STRESS_SCALE=S|10S] [STRESS_STEPS=50,100,200,400,600,800,1200,1600,3200]
       [STRESS_STEP_SECONDS=30] [STRESS_WORKERS=2] [STRESS_THREADS=1]
"""

import csv
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bson import ObjectId  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from devservers.processes import MongoServer, RedisServer  # noqa: E402
from scripts.bench.run import SCALES, Stack, seed  # noqa: E402

SCALE = os.environ.get("STRESS_SCALE", "S")
STEPS = os.environ.get("STRESS_STEPS", "50,100,200,400,600,800,1200,1600,3200")
STEP_SECONDS = os.environ.get("STRESS_STEP_SECONDS", "30")
WORKERS = int(os.environ.get("STRESS_WORKERS", "2"))
THREADS = int(os.environ.get("STRESS_THREADS", "1"))  # gunicorn threads per worker (gthread)
P99_MS = os.environ.get("STRESS_P99_MS", "250")
PASSWORD = "Seeded-School-Passphrase-1"
OUT = ROOT / "docs" / "benchmarks"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SHARES = {"admins": 1, "teachers": 3, "students": 6, "cashiers": 1}  # the locust weights
TICKS = os.sysconf("SC_CLK_TCK")


def accounts(db, users):
    """Emails (and what each role's tasks need) for users distinct accounts of each role."""
    school = db.users.find_one({"role": "admin"})["institutionId"]
    scoped = {"institutionId": school}
    needed = {role: users * share // sum(SHARES.values()) + 1 for role, share in SHARES.items()}
    rooms = [str(c["_id"]) for c in db.classrooms.find(scoped, {"_id": 1})]
    invoices = [str(i["_id"]) for i in db.invoices.find({**scoped, "status": "issued"},
                                                        {"_id": 1}).limit(200)]  # fmt: skip
    result = {
        "admins": [{"email": u["email"], "classrooms": rooms}
                   for u in extra_accounts(db, school, "admin", needed["admins"])],
        "cashiers": [{"email": u["email"], "invoices": invoices}
                     for u in extra_accounts(db, school, "cashier", needed["cashiers"])],
        "teachers": [], "students": [],
    }  # fmt: skip
    teachers = db.teachers.find(scoped, {"userId": 1, "subjectIds": 1, "classroomIds": 1})
    subject_of = {t["userId"]: t["subjectIds"][0] for t in teachers if t.get("subjectIds")}
    for user in db.users.find({**scoped, "role": "teacher"}).limit(needed["teachers"]):
        room = user["classroomIds"][0]
        roster = [str(s["_id"]) for s in db.students.find({**scoped, "classroomId": room},
                                                           {"_id": 1})]  # fmt: skip
        subject = str(subject_of[user["_id"]])
        result["teachers"].append({"email": user["email"], "classroom": str(room),
                                   "roster": roster, "subject": subject})  # fmt: skip
    for user in db.users.find({**scoped, "role": "student"}).limit(needed["students"]):
        result["students"].append({"email": user["email"], "student": str(user["studentId"])})
    return result


def extra_accounts(db, school, role, count):
    """count accounts of role: the seeded ones, then copies of the first (same password hash)
    for the run, so that no two simulated users share one."""
    template = db.users.find_one({"institutionId": school, "role": role})
    for number in range(db.users.count_documents({"institutionId": school, "role": role}), count):
        db.users.insert_one({**template, "_id": ObjectId(),
                             "email": f"stress-{role}{number}@{template['email'].split('@')[1]}",
                             "name": f"Stress {role} {number}"})  # fmt: skip
    return list(db.users.find({"institutionId": school, "role": role}).limit(count))


class Sampler:
    """CPU seconds and RSS of named processes, sampled every second in a thread."""

    def __init__(self, processes):
        self.processes, self.samples = processes, []  # (time, name, cpu seconds, rss MiB)
        self.stop_event = threading.Event()

    def start(self):
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self):
        while not self.stop_event.wait(1.0):
            now = time.time()
            for name, pid in self.processes().items():
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
                except OSError:
                    continue
                cpu = (int(stat[11]) + int(stat[12])) / TICKS
                self.samples.append((now, name, cpu, rss * os.sysconf("SC_PAGE_SIZE") / 2**20))

    def between(self, since, until):
        """{name: (CPU %, max RSS MiB)} over [since, until]."""
        result = {}
        for name in {sample[1] for sample in self.samples}:
            rows = [s for s in self.samples if s[1] == name and since <= s[0] <= until]
            if len(rows) >= 2:
                cpu = (rows[-1][2] - rows[0][2]) / (rows[-1][0] - rows[0][0]) * 100
                result[name] = (cpu, max(r[3] for r in rows))
        return result


def children(pid):
    """Child pids of pid (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                    found.append(int(entry.name))
            except OSError:
                continue
    return sorted(found)


def bare_flask_rps(stack, seconds=8):
    """req/s of bare Flask /ping on the same gunicorn settings, under wrk (machine speed)."""
    bare = stack.serve(app="scripts.bench_apps:bare", workers=WORKERS)
    try:
        out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", f"{bare.url}/ping"],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
    finally:
        bare.stop()
    return float(next(line.split()[1] for line in out.splitlines() if "Requests/sec" in line))


def step_rows(steps, log, sampler, names):
    """Per step: users, req/s, percentiles, failures, and each process's CPU and RSS."""
    with open(log, newline="") as handle:
        requests = [(float(start), name, float(ms), int(failed))
                    for start, name, ms, failed in csv.reader(handle)]  # fmt: skip
    rows = []
    for step in steps:
        inside = [r for r in requests if step["measured_from"] <= r[0] < step["end"]]
        times = sorted(r[2] for r in inside)
        span = step["end"] - step["measured_from"]

        def pct(share, times=times):
            return times[min(len(times) - 1, int(share * len(times)))] if times else 0.0

        usage = sampler.between(step["measured_from"], step["end"])
        during = [r for r in requests if step["start"] <= r[0] < step["end"]]
        logins = sorted(r[2] for r in during if r[1].endswith("/auth/login"))
        arrival = (step["arrived"] - step["start"]) if step["arrived"] else None
        rows.append({"users": step["users"], "rps": len(inside) / span, "p50": pct(0.5),
                     "p95": pct(0.95), "p99": pct(0.99), "failures": sum(r[3] for r in inside),
                     "logins": len(logins), "arrival_s": arrival,
                     "login_p50": logins[len(logins) // 2] if logins else 0.0,
                     "usage": {name: usage.get(name, (0.0, 0.0)) for name in names()}})  # fmt: skip
    return rows


def knee(rows, limit):
    """The last step with p99 within limit and no failure (None if the first already bent)."""
    good = None
    for row in rows:
        if row["p99"] > limit or row["failures"]:
            break
        good = row
    return good


def plot(rows, path, title):
    """p50/p99 and throughput against users."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    users = [row["users"] for row in rows]
    figure, latency = plt.subplots(figsize=(8, 4.5))
    latency.plot(users, [row["p50"] for row in rows], "o-", label="p50 ms")
    latency.plot(users, [row["p99"] for row in rows], "s-", label="p99 ms")
    latency.axhline(float(P99_MS), color="grey", linestyle=":", label=f"{P99_MS} ms")
    latency.set_xscale("log", base=2)
    latency.set_xlabel("concurrent users (each its own account, think time 2-8 s)")
    latency.set_ylabel("latency ms")
    throughput = latency.twinx()
    throughput.plot(users, [row["rps"] for row in rows], "^--", color="green", label="req/s")
    throughput.set_ylabel("req/s")
    lines = latency.get_legend_handles_labels()[0] + throughput.get_legend_handles_labels()[0]
    labels = latency.get_legend_handles_labels()[1] + throughput.get_legend_handles_labels()[1]
    latency.legend(lines, labels, loc="upper left")
    latency.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main():
    """Stack up, bare Flask, the stepped run, the report."""
    data = ROOT / "var" / "bench" / SCALE
    data.mkdir(parents=True, exist_ok=True)
    scratch = data / "stress"
    subprocess.run(["rm", "-rf", str(scratch)], check=True)
    scratch.mkdir()
    mongo = MongoServer(data / "mongo", log_path=data / "mongo.log").start(timeout=300)
    redis_server = RedisServer().start()
    try:
        uri = mongo.uri + "educatenext"
        seed(SCALE, SCALES[SCALE][1], uri, "educatenext", institutions=SCALES[SCALE][0])
        db = MongoClient(uri)["educatenext"]
        stack = Stack(SCALE, uri, "educatenext", redis_server.url, scratch)
        bare = bare_flask_rps(stack)
        (scratch / "accounts.json").write_text(
            json.dumps(accounts(db, max(int(users) for users in STEPS.split(","))))
        )
        api = stack.serve(workers=WORKERS, GUNICORN_THREADS=THREADS)
        try:
            deadline = time.monotonic() + 30  # /health answers once the first worker is up
            workers = children(api.process.pid)
            while len(workers) < WORKERS and time.monotonic() < deadline:
                time.sleep(0.2)
                workers = children(api.process.pid)

            def names():
                found = {f"worker {n + 1}": pid for n, pid in enumerate(workers)}
                return {**found, "redis-server": redis_server.process.pid,
                        "secantusdb": mongo.process.pid}  # fmt: skip

            sampler = Sampler(names).start()
            env = {**os.environ, "STRESS_ACCOUNTS": str(scratch / "accounts.json"),
                   "STRESS_PASSWORD": PASSWORD, "STRESS_STEPS": STEPS,
                   "STRESS_STEP_SECONDS": STEP_SECONDS, "STRESS_P99_MS": P99_MS,
                   "STRESS_REQUEST_LOG": str(scratch / "requests.csv"),
                   "STRESS_STEP_LOG": str(scratch / "steps.json")}  # fmt: skip
            locust = subprocess.Popen(
                [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                 "--host", api.url, "--only-summary"], env=env,
            )  # fmt: skip
            sampler.processes = lambda: {**names(), "locust": locust.pid}
            locust.wait()
            sampler.stop_event.set()
            restarted = children(api.process.pid) != workers
        finally:
            api.stop()
    finally:
        redis_server.stop()
        mongo.stop()
    steps = json.loads((scratch / "steps.json").read_text())
    rows = step_rows(steps, scratch / "requests.csv", sampler, lambda: [*names(), "locust"])
    report(rows, bare, restarted)


def report(rows, bare, restarted):
    """docs/benchmarks/stress-<scale>.md and its plot."""
    bent = knee(rows, float(P99_MS))
    setting = f"{WORKERS} sync workers" if THREADS == 1 else f"{WORKERS}x{THREADS} gthread"
    suffix = "" if THREADS == 1 else f"-{WORKERS}x{THREADS}"
    picture = OUT / f"stress-{SCALE}{suffix}.png"
    plot(rows, picture, f"make stress at {SCALE}: {setting}")
    names = list(rows[0]["usage"]) if rows else []
    lines = [
        f"# Stress test at {SCALE}",
        "",
        f"`make stress` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: gunicorn {setting} "
        "(production config, served straight), redis-server, secantusdb; locust on "
        "the same 2 cores. Every simulated user logs in as its own account, then works with "
        "2-8 s think time: office 1 (completion, class lists, classrooms), teachers 3 "
        "(roster, class list, daily sheet, a grade), students 6 (grades, GPA), tills 1 "
        f"(a payment). Each step's new users arrive at users/5 per second and log in (the "
        "login storm, reported apart); the step is then measured for "
        f"{STEP_SECONDS} s of work. Stopped at the first step past p99 {P99_MS} ms, with a "
        "failure, or whose logins do not finish.",
        "",
        f"Machine speed: bare Flask /ping **{bare:,.0f} req/s** (wrk, same gunicorn settings).",
        "",
    ]
    if bent:
        ratio = bent["rps"] / bare
        lines.append(f"**Knee: {bent['users']:,} concurrent users, {bent['rps']:.0f} req/s "
                     f"({ratio:.3f}x bare Flask), p99 {bent['p99']:.0f} ms.**")  # fmt: skip
    else:
        lines.append("**No knee: the first step already passed the p99 limit or failed.**")
    lines += [
        "",
        "| users | logged in (in s, login p50 ms) | req/s | p50 ms | p95 ms | p99 ms "
        "| failures | " + " | ".join(f"{name} CPU % / RSS MiB" for name in names) + " |",
        "|" + "---:|" * (7 + len(names)),
    ]
    for row in rows:
        usage = " | ".join(f"{cpu:.0f} / {rss:.0f}" for cpu, rss in row["usage"].values())
        arrival = f"{row['arrival_s']:.0f}" if row["arrival_s"] is not None else "not all"
        lines.append(f"| {row['users']:,} | {row['logins']} in {arrival} "
                     f"({row['login_p50']:.0f}) | {row['rps']:.1f} | "
                     f"{row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} | "
                     f"{row['failures']} | {usage} |")  # fmt: skip
    lines += ["", f"![p50, p99 and throughput against users]({picture.name})", ""]
    if restarted:
        lines += ["A gunicorn worker was replaced during the run.", ""]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"stress-{SCALE}{suffix}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
