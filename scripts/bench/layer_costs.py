"""Per-layer CPU cost of a cached read, measured in-process (the "cost per layer" of issue #6).

Calls the WSGI app directly (no HTTP server, no client) with the production configuration
against the stack's Redis and Mongo-wire server, and reports CPU microseconds per request
(time.process_time; the Redis server's own CPU is not included): bare Flask, /health, a
cached hit through the fast lane with its parts, and the same hit down the normal path.
Each figure is the best of three runs of REQUESTS requests.
"""

import functools
import io
import os
import sys
import time
from collections import Counter
from functools import wraps

REQUESTS = 2000


def _environ(path, token):
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
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


def _hook_name(function):
    inner = getattr(function, "func", function)  # functools.partial (Flask-Limiter's hook)
    return getattr(inner, "__qualname__", repr(inner)).replace("init_app.<locals>.", "")


def _timed_hook(timers, name, hook):
    """hook, timed; a partial stays a partial of the same arguments (the fast lane tells
    Flask-Limiter's hook by them)."""
    if isinstance(hook, functools.partial):
        return functools.partial(timers.wrap(name, hook.func), *hook.args, **hook.keywords)
    return timers.wrap(name, hook)


def measure(env, token, path):
    """Rows of (layer, CPU us per request) for a cached path, with env as the app's settings."""
    os.environ.update({key: str(value) for key, value in env.items()})
    from educatenext import create_app
    from educatenext.caching import fastlane, responses
    from educatenext.extensions import limiter
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
    saved = {}
    for kind, hooks in (("before", app.before_request_funcs[None]),
                        ("after", app.after_request_funcs[None])):  # fmt: skip
        saved[kind] = list(hooks)
        hooks[:] = [_timed_hook(timers, f"  {kind}_request {_hook_name(h)}", h) for h in hooks]
    storage = limiter.storage
    parts = {"serve_hit": (fastlane, "  fast lane checks (serve_hit)"),
             "count_and_read": (storage, "    the one Redis round trip (script)"),
             "hit_response": (responses, "    entry check and response"),
             "prefetch_keys": (responses, "    entry and generation keys")}  # fmt: skip
    originals = {name: getattr(owner, name) for name, (owner, _) in parts.items()}
    for name, (owner, label) in parts.items():
        setattr(owner, name, timers.wrap(label, originals[name]))
    try:
        cpu_per_request(app, path, token, REQUESTS)
    finally:
        for name, (owner, _) in parts.items():
            setattr(owner, name, originals[name])
        for kind, hooks in (("before", app.before_request_funcs[None]),
                            ("after", app.after_request_funcs[None])):  # fmt: skip
            hooks[:] = saved[kind]
    runs = 3 * REQUESTS
    for name, spent in sorted(timers.spent.items(), key=lambda item: -item[1]):
        if spent / runs * 1e6 >= 3:
            rows.append((name, spent / runs * 1e6))
    lane = fastlane.dispatch_hit
    fastlane.dispatch_hit = lambda app: None  # every request down Flask's usual dispatch
    try:
        normal, seen = cpu_per_request(app, path, token)
    finally:
        fastlane.dispatch_hit = lane
    assert seen["headers"].get("X-Cache") == "HIT", seen
    rows.append(("cached hit, normal path (fast lane off)", normal))
    return rows
