"""CPU per uncached request in process, against raw pymongo's CPU for the same query.

`python scripts/bench/uncached_cpu.py`: starts its own Mongo-wire server and Redis (scratch
directories), seeds a school of BENCH_CPU_STUDENTS students, builds the production app with
the response cache off and calls it as a WSGI callable (no HTTP server, no client). For each
line it records the find commands the app sends (pymongo command monitoring), then times
the same commands through a plain pymongo client with the same JSON serialisation of what
they return. time.process_time: this process only, so the database's own CPU is out of it.
Each figure is the best of three runs of REQUESTS requests. BENCH_CPU_PROFILE=1 also prints
cProfile's top functions (by own time) for the first line.
"""

import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pymongo import MongoClient, monitoring  # noqa: E402

from devservers.processes import MongoServer, RedisServer  # noqa: E402
from scripts.bench.layer_costs import cpu_per_request  # noqa: E402
from scripts.bench.run import PASSWORD, api_env, seed  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_CPU_REQUESTS", "300"))
STUDENTS = int(os.environ.get("BENCH_CPU_STUDENTS", "1000"))
DB_NAME = "educatenext_cpu"


class FindRecorder(monitoring.CommandListener):
    """The find and aggregate commands sent while recording is on."""

    def __init__(self):
        self.recording, self.commands = False, []

    def started(self, event):
        """Keep a copy of a read command."""
        if self.recording and event.command_name in ("find", "aggregate"):
            self.commands.append((event.command_name, dict(event.command)))

    def succeeded(self, event):
        """Nothing to keep."""

    def failed(self, event):
        """Nothing to keep."""


def raw_cpu(db, commands, requests=REQUESTS):
    """Best-of-three CPU microseconds to run the commands with pymongo and dump the documents."""
    best = None
    for _ in range(3):
        started = time.process_time()
        for _ in range(requests):
            for name, command in commands:
                collection = db[command[name]]
                if name == "find":
                    cursor = collection.find(
                        command.get("filter", {}), command.get("projection"),
                        sort=list(command.get("sort", {}).items()) or None,
                        skip=command.get("skip", 0), limit=command.get("limit", 0),
                    )  # fmt: skip
                    documents = list(cursor)
                else:
                    documents = list(collection.aggregate(command["pipeline"]))
                json.dumps(documents, default=str).encode()
        spent = (time.process_time() - started) / requests * 1e6
        best = spent if best is None else min(best, spent)
    return best


def main():
    """Servers up, seed, measure each line, print the table."""
    scratch = Path(tempfile.mkdtemp(prefix="educatenext-cpu-"))
    mongo = MongoServer(scratch / "mongo", log_path=scratch / "mongo.log").start(timeout=120)
    redis_server = RedisServer().start()
    try:
        uri = mongo.uri + DB_NAME
        seed("cpu", STUDENTS, uri, DB_NAME)
        db = MongoClient(uri)[DB_NAME]
        classroom = db.classrooms.find_one(sort=[("name", 1)])
        admin = db.users.find_one({"role": "admin"})
        recorder = FindRecorder()
        monitoring.register(recorder)  # before the app's client exists: it then reports too
        metrics = scratch / "metrics"
        metrics.mkdir()
        env = api_env(uri, DB_NAME, redis_server.url, metrics, RESPONSE_CACHE_ENABLED="false",
                      RATELIMIT_READ="1000000 per minute")  # fmt: skip
        os.environ.update({key: str(value) for key, value in env.items()})
        from educatenext import create_app

        app = create_app()
        login = app.test_client().post(
            "/api/v1/auth/login", json={"email": admin["email"], "password": PASSWORD}
        )
        token = login.get_json()["token"]
        lines = [
            ("student list (classroom, 50)",
             f"/api/v1/students?classroomId={classroom['_id']}&limit=50"),
            ("student list (school, first page)", "/api/v1/students?limit=50"),
            ("classrooms", "/api/v1/classrooms"),
        ]  # fmt: skip
        print(f"{'line':<36}{'API us':>9}{'raw us':>9}{'ratio':>7}  queries")
        for label, path in lines:
            cpu_per_request(app, path, token, 20)  # warm: routes, auth context
            recorder.recording, recorder.commands = True, []
            cpu_per_request(app, path, token, 1)
            recorder.recording = False
            commands = recorder.commands[: len(recorder.commands) // 3]  # one request's
            api, seen = cpu_per_request(app, path, token, REQUESTS)
            assert seen["status"].startswith("200"), seen
            raw = raw_cpu(db, commands)
            if os.environ.get("BENCH_CPU_PROFILE") and (label, path) == lines[0]:
                profiler = cProfile.Profile(time.process_time)  # CPU, not waits
                profiler.runcall(cpu_per_request, app, path, token, REQUESTS)
                stats = pstats.Stats(profiler)
                stats.sort_stats("tottime").print_stats(25)
                stats.sort_stats("cumulative").print_stats(60)
            print(f"{label:<36}{api:>9.0f}{raw:>9.0f}{api / raw:>6.2f}x  "
                  f"{', '.join(command[name] for name, command in commands)}")  # fmt: skip
    finally:
        redis_server.stop()
        mongo.stop()


if __name__ == "__main__":
    main()
