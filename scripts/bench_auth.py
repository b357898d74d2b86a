"""Benchmark: login latency and the per-request auth check, cached (Redis) vs uncached (MongoDB).

Runs in-process against real servers started on free ports (secantusdb and redis-server),
or MONGO_URI / REDIS_URL when set. Prints p50/p95/p99 in milliseconds and their ratios.
Usage: make bench  (or .venv/bin/python scripts/bench_auth.py [iterations])
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devservers.processes import MongoServer, RedisServer  # noqa: E402
from educatenext import create_app  # noqa: E402
from educatenext.auth.identity import authenticate, forget_sessions, forget_user  # noqa: E402
from educatenext.config import Config  # noqa: E402
from educatenext.extensions import limiter, mongo  # noqa: E402
from educatenext.institutions.service import create_institution  # noqa: E402
from educatenext.platform.mongo.migrations import apply_pending  # noqa: E402
from educatenext.platform.mongo.repository import TenantScope  # noqa: E402
from educatenext.users.service import insert_user  # noqa: E402

PASSWORD = "benchmark passphrase 42"


def percentiles(samples):
    """p50/p95/p99 in milliseconds."""
    ordered = sorted(samples)

    def pick(fraction):
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    return {
        "p50": pick(0.50),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "mean": statistics.mean(ordered) * 1000,
    }


def show(label, stats):
    """One result line."""
    figures = "  ".join(f"{name} {stats[name]:8.3f} ms" for name in ("p50", "p95", "p99"))
    print(f"{label:<46} {figures}")


def timed(function, iterations):
    """Wall-clock samples of a callable."""
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def main(iterations):
    """Start servers, seed one user, measure."""
    started = []
    mongo_uri = os.environ.get("MONGO_URI")
    redis_url = os.environ.get("REDIS_URL")
    with tempfile.TemporaryDirectory() as scratch:
        if not mongo_uri:
            server = MongoServer(Path(scratch) / "mongo").start(timeout=60)
            started.append(server)
            mongo_uri = server.uri
        if not redis_url:
            server = RedisServer().start()
            started.append(server)
            redis_url = server.url
        try:
            run(mongo_uri, redis_url, iterations)
        finally:
            for server in started:
                server.stop()


def run(mongo_uri, redis_url, iterations):
    """The measurements proper."""
    settings = Config()  # production-strength Argon2 parameters
    settings.MONGO_URI = mongo_uri
    settings.MONGO_DB_NAME = f"bench_{os.getpid()}"
    settings.REDIS_URL = redis_url
    settings.LOGIN_RATE_LIMIT_PER_IP = settings.LOGIN_RATE_LIMIT_PER_ACCOUNT = "100000 per minute"
    app = create_app(settings)
    with app.app_context():
        limiter.reset()
        apply_pending(mongo.db, app.config["MIGRATIONS_DIR"], echo=lambda *_: None)
        institution, _ = create_institution({"name": "Bench School", "code": "bench"})
        user = insert_user(
            TenantScope.of(institution["_id"]),
            {
                "name": "Bench Teacher",
                "email": "bench@x.test",
                "password": PASSWORD,
                "role": "teacher",
            },
        )
    client = app.test_client()
    credentials = {"email": "bench@x.test", "password": PASSWORD}
    print(
        f"Argon2id m={settings.ARGON2_MEMORY_COST} KiB t={settings.ARGON2_TIME_COST} "
        f"p={settings.ARGON2_PARALLELISM}; {iterations} iterations; servers: secantusdb + redis"
    )
    login_samples = timed(
        lambda: client.post("/api/v1/auth/login", json=credentials), max(20, iterations // 10)
    )
    show("POST /auth/login (end to end, in-process)", percentiles(login_samples))

    token = client.post("/api/v1/auth/login", json=credentials).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}

    def check():
        """One request's auth check: a request context of its own (what it read is kept in g)."""
        with app.test_request_context("/api/v1/auth/me", headers=headers):
            return authenticate()

    session_id = check().session_id  # and the context is cached now
    cached = percentiles(timed(check, iterations))

    def miss():
        """Drop the cached context, then time one check (the drop is not timed)."""
        with app.app_context():
            forget_user(user["_id"])
            forget_sessions([session_id])
        started = time.perf_counter()
        check()
        return time.perf_counter() - started

    uncached_stats = percentiles([miss() for _ in range(iterations)])
    show("auth check, context cached in Redis", cached)
    show("auth check, cache miss (MongoDB reads + set)", uncached_stats)
    print(f"ratio uncached/cached at p50: {uncached_stats['p50'] / cached['p50']:.1f}x")
    with app.app_context():
        mongo.client.drop_database(app.config["MONGO_DB_NAME"])
        mongo.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
