"""Measure gunicorn worker settings on this machine (the numbers behind gunicorn.conf.py).

Starts the chaos stack (nginx -> gunicorn -> app, Redis, secantusdb) once per setting and
drives it with wrk through nginx: a cached list, /auth/me (auth + one MongoDB read), an
uncached list page and /health. Writes docs/benchmarks/gunicorn.md.
"""

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from devservers.chaos import ChaosStack, request  # noqa: E402

SETTINGS = (
    ("sync", 2, 1),
    ("sync", 4, 1),
    ("gthread", 2, 4),
    ("gthread", 2, 8),
    ("gthread", 4, 2),
)
SECONDS = 10
CONNECTIONS = 64


def wrk(url, token, seconds=SECONDS):
    """(req/s, p50 ms, p99 ms, non-2xx) from one wrk run."""
    result = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
         "-H", f"Authorization: Bearer {token}", url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(name):
        match = re.search(rf"\s{name}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, percentile("50"), percentile("99"), int(errors.group(1)) if errors else 0


def measure(kind, workers, threads):
    """One setting: a fresh stack, a warm-up, then each endpoint."""
    with tempfile.TemporaryDirectory(prefix="educatenext-tuning-") as scratch:
        stack = ChaosStack(Path(scratch), workers=workers, GUNICORN_THREADS=str(threads),
                           LOG_LEVEL="WARNING").start()  # fmt: skip
        try:
            token = stack.login()
            base = f"http://127.0.0.1:{stack.port}"
            for number in range(20):
                request(stack.port, "POST", "/api/v1/subjects", token,
                        {"name": f"Subject {number}", "code": f"S{number}"})  # fmt: skip
            request(stack.port, "GET", "/api/v1/subjects", token)
            rows = {}
            for label, path in (
                ("cached list", "/api/v1/subjects"),
                ("auth/me", "/api/v1/auth/me"),
                ("uncached list", "/api/v1/subjects"),
                ("health", "/health"),
            ):
                if label == "uncached list":  # no response cache: every request reads MongoDB
                    stack.gunicorn.stop()
                    stack.gunicorn.env["RESPONSE_CACHE_ENABLED"] = "false"
                    stack.gunicorn.start(timeout=90)
                rows[label] = wrk(base + path, token)
            return rows
        finally:
            stack.stop()


def main(argv):
    """Every setting (or those given as kind:workers:threads), then the report."""
    settings = [(k, int(w), int(t)) for k, w, t in (a.split(":") for a in argv)] or SETTINGS
    results = {}
    for kind, workers, threads in settings:
        name = f"{kind} {workers}x{threads}"
        results[name] = measure(kind, workers, threads)
        print(name, results[name], flush=True)
    labels = list(next(iter(results.values())))
    lines = [
        "# gunicorn settings measured on this machine",
        "",
        f"`python scripts/bench/gunicorn_tuning.py`, {time.strftime('%Y-%m-%d')}: nginx -> "
        f"gunicorn -> app (production config), wrk {CONNECTIONS} connections, {SECONDS} s per "
        "row, through nginx; req/s (p50 / p99 ms). 2 cores.",
        "",
        "| setting | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for name, rows in results.items():
        cells = [f"{rate:,.0f} ({p50:.0f} / {p99:.0f})" + (f", {errors} non-2xx" if errors else "")
                 for rate, p50, p99, errors in rows.values()]  # fmt: skip
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    out = (
        ROOT
        / "docs"
        / "benchmarks"
        / ("gunicorn.md" if settings == SETTINGS else "gunicorn-partial.md")
    )
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
