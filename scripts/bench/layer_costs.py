"""Per-layer CPU cost of a cached read, measured in-process (the "cost per layer" of issue #6).

Calls the WSGI app directly (no HTTP server, no client) with the production configuration
against the stack's Redis and Mongo-wire server, and reports CPU microseconds per request
(time.process_time; the Redis server's own CPU is not included): bare Flask, /health, a
cached hit through the fast lane with its parts, and the same hit down the normal path.
Each figure is the best of three runs of REQUESTS requests.
"""

import io
import os
import sys
import time
from collections import Counter
from functools import wraps

REQUESTS = 2000


def _environ(path, token):
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
    }  # fmt: skip


def cpu_per_request(app, path, token, requests=REQUESTS):
    """Best-of-three CPU microseconds per request; also returns the last response's headers."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    best = None
    for _ in range(3):
        started = time.process_time()
        for _ in range(requests):
            body = app(_environ(path, token), start_response)
            b"".join(body)
            getattr(body, "close", lambda: None)()
        spent = (time.process_time() - started) / requests * 1e6
        best = spent if best is None else min(best, spent)
    return best, seen


class Timers:
    """Accumulated CPU time of wrapped callables."""

    def __init__(self):
        self.spent = Counter()

    def wrap(self, name, function):
        """function, timed under name."""

        @wraps(function)
        def timed(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[name] += time.process_time() - started

        return timed


def measure(env, token, path):
    """Rows of (layer, CPU us per request) for a cached path, with env as the app's settings."""
    os.environ.update({key: str(value) for key, value in env.items()})
    from educatenext import create_app
    from educatenext.caching import fastlane, responses
    from educatenext.extensions import limiter
    from educatenext.metrics import requests as request_metrics
    from educatenext.platform.http import requestlog
    from scripts.bench_apps import bare

    app = create_app()
    cpu_per_request(app, path, token, 200)  # learn the route, store the entry
    rows = [
        ("bare Flask /ping", cpu_per_request(bare, "/ping", token)[0]),
        ("API /health (hooks, no auth, no Redis)", cpu_per_request(app, "/health", token)[0]),
    ]
    total, seen = cpu_per_request(app, path, token)
    assert seen["headers"].get("X-Cache") == "HIT", seen
    rows.append(("cached hit, fast lane (total)", total))
    timers = Timers()
    parts = (
        (fastlane, "hit_plan", "  the request's plan (keys, token, route; remembered)"),
        (fastlane, "serve_hit", "  checks, the Redis trip and the entry (serve_hit)"),
        (limiter.storage, "count_and_read", "    the one Redis round trip (script)"),
        (responses, "entry_if_current", "    entry check (tokens, fingerprint)"),
        (fastlane, "rate_limit_headers", "    X-RateLimit-* headers"),
        (request_metrics, "observe_route", "  metrics (count and latency)"),
        (requestlog, "finished_request_id", "  request id (and access line when logged)"),
    )
    originals = [getattr(owner, name) for owner, name, _ in parts]
    for (owner, name, label), original in zip(parts, originals, strict=True):
        setattr(owner, name, timers.wrap(label, original))
    try:
        cpu_per_request(app, path, token, REQUESTS)
    finally:
        for (owner, name, _), original in zip(parts, originals, strict=True):
            setattr(owner, name, original)
    runs = 3 * REQUESTS
    for _, _, label in parts:
        if timers.spent[label] / runs * 1e6 >= 3:
            rows.append((label, timers.spent[label] / runs * 1e6))
    lane = fastlane.serve
    fastlane.serve = lambda app, environ: None  # every request down Flask's usual handling
    try:
        normal, seen = cpu_per_request(app, path, token)
    finally:
        fastlane.serve = lane
    assert seen["headers"].get("X-Cache") == "HIT", seen
    rows.append(("cached hit, normal path (fast lane off)", normal))
    return rows
