"""Quick check of target (b)/(a): a cached authenticated list read against bare Flask.

Same gunicorn settings (2 sync workers, production config), same run, wrk with 64
connections straight at gunicorn, three rounds: bare Flask /ping, the cached subject list
(20 subjects, admin token, X-Cache: HIT) and /health. A few minutes instead of `make bench`'s
seeding. Then the per-layer CPU cost of the same hit, in-process (scripts/bench/layer_costs.py).
Writes docs/benchmarks/cached_ratio.md (or the path given), never the hot-path history.
"""

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from devservers.chaos import ChaosStack, request  # noqa: E402
from devservers.processes import GunicornServer  # noqa: E402
from scripts.bench import layer_costs  # noqa: E402
from scripts.bench.gunicorn_tuning import wrk  # noqa: E402

ROUNDS = 3


def main():
    """Measure and write the report."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="educatenext-ratio-") as scratch:
        stack = ChaosStack(Path(scratch), LOG_LEVEL="WARNING").start()
        try:
            token = stack.login()
            for number in range(20):
                request(stack.port, "POST", "/api/v1/subjects", token,
                        {"name": f"Subject {number}", "code": f"S{number}"})  # fmt: skip
            for _ in range(6):  # each worker: learn what the list reads, store, then hit
                state = request(stack.gunicorn.port, "GET", "/api/v1/subjects", token)[1]
            assert state.get("X-Cache") == "HIT", state
            api = stack.gunicorn.url
            bare = GunicornServer(
                stack.env(), workers=stack.workers, app="scripts.bench_apps:bare",
                log_path=Path(scratch) / "bare.log",
            ).start(timeout=90)  # fmt: skip
            try:
                for number in range(ROUNDS):
                    measured = (wrk(f"{bare.url}/ping", token),
                                wrk(f"{api}/api/v1/subjects", token),
                                wrk(f"{api}/health", token))  # fmt: skip
                    rows.append(measured)
                    print(
                        f"round {number + 1}: " + ", ".join(f"{r[0]:.0f} req/s" for r in measured)
                    )
            finally:
                bare.stop()
            layers = layer_costs.measure(stack.gunicorn.env, token, "/api/v1/subjects")
        finally:
            stack.stop()
    lines = [
        "# Cached list against bare Flask (target (b)/(a) of issue #6)",
        "",
        f"`python scripts/bench/cached_ratio.py`, {time.strftime('%Y-%m-%d')}: gunicorn "
        f"{stack.workers} sync workers, production config, wrk 64 connections x 10 s straight at "
        "gunicorn; req/s (p50 / p99 ms); no errors unless noted.",
        "",
        "| round | bare Flask /ping | cached list (HIT) | /health | cached / bare |",
        "|---|---|---|---|---|",
    ]
    for number, (bare_row, cached_row, health_row) in enumerate(rows, 1):
        cells = [f"{r[0]:,.0f} ({r[1]:.0f} / {r[2]:.0f})" + (f", {r[3]} non-2xx" if r[3] else "")
                 for r in (bare_row, cached_row, health_row)]  # fmt: skip
        lines.append(
            f"| {number} | " + " | ".join(cells) + f" | {cached_row[0] / bare_row[0]:.2f}x |"
        )
    lines += [
        "",
        "## Cost per layer (CPU per request, in-process)",
        "",
        "The same app and data, called as a WSGI function (no HTTP server, no client); CPU "
        "microseconds per request of this process (the Redis server's own CPU is not "
        f"included), best of three runs of {layer_costs.REQUESTS:,}. Indented rows are parts "
        "of the fast-lane hit.",
        "",
        "| layer | CPU µs per request |",
        "|---|---:|",
        *[_layer_row(name, spent) for name, spent in layers],
    ]
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs/benchmarks/cached_ratio.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


def _layer_row(name, spent):
    """A table row; leading spaces in the name become an indent."""
    indent = "&nbsp;&nbsp;" * ((len(name) - len(name.lstrip())) // 2)
    return f"| {indent}{name.strip()} | {spent:,.0f} |"


if __name__ == "__main__":
    main()
