"""`make chaos`: every fault under a steady load through nginx, with a client ledger per fault.

Prints each fault with its ledger result (acknowledged writes, lost, duplicates, 5xx) and
recovery time; writes docs/chaos.md and exits non-zero if any check failed.
"""

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from devservers.chaos import (  # noqa: E402 - needs the path above
    ChaosStack,
    mongo_killed,
    mongo_stopped,
    passed,
    redis_frozen,
    redis_killed,
    run_faults,
    transaction_interrupted,
    worker_killed,
)
from devservers.processes import nginx_binary  # noqa: E402

FAULTS = (
    redis_killed,
    redis_frozen,
    mongo_stopped,
    mongo_killed,
    worker_killed,
    *(
        transaction_interrupted(target, after_commit)
        for target in ("enrollment", "payment")
        for after_commit in (False, True)
    ),
)
LOAD = {"writers": 6, "enrollers": 2, "readers": 3}


def markdown(results, final, started):
    """The report: one table row per fault, then each fault's checks."""
    lines = [
        "# Chaos run",
        "",
        f"`make chaos` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}: "
        "nginx -> gunicorn (2 sync workers, production config) -> app, redis-server, "
        "secantusdb (through the wire relay that holds a transaction at its commit); "
        f"{LOAD['writers']} writer threads creating assignments and {LOAD['enrollers']} "
        "creating a student and enrolling it (a transaction), each with an Idempotency-Key and "
        f"retrying until acknowledged, and {LOAD['readers']} readers, all through nginx, for "
        "the whole run. Each row's ledger covers the writes that overlapped its fault.",
        "",
        "| fault | result | acknowledged (enrollments) | lost | duplicates | half applied "
        "| 5xx (500) | p99 ms | max ms | recovery s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        window, ledger = result["window"], result["ledger"]
        recovery = result["recovery_s"]
        lines.append(
            f"| {result['fault']} | {'pass' if passed(result) else '**FAIL**'} "
            f"| {ledger['acknowledged']} ({ledger['enrollments']}) | {ledger['lost']} "
            f"| {ledger['duplicates']} | {ledger['half_applied']} "
            f"| {window['5xx']} ({window['500']}) | {window['p99_ms']} | {window['max_ms']} "
            f"| {f'{recovery:.2f}' if recovery is not None else 'not recovered'} |"
        )
    lines += ["", f"Final ledger: {final}", ""]
    for result in results:
        lines += [f"## {result['fault']}", ""]
        lines += [f"- [{'x' if ok else ' '}] {name}" for name, ok in result["checks"].items()]
        lines += [f"- {name}: {value}" for name, value in result["observed"].items()]
        lines += [f"- statuses in the window: {result['window']['statuses']}", ""]
    return "\n".join(lines)


def main():
    """Start the stack, run the faults, report."""
    if nginx_binary() is None:
        print("nginx is not installed (make system-deps): cannot run the chaos suite")
        return 2
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="educatenext-chaos-") as scratch:
        stack = ChaosStack(Path(scratch)).start()
        try:
            results, final, _ = run_faults(stack, FAULTS, **LOAD)
        finally:
            stack.stop()
    report = ROOT / "docs" / "chaos.md"
    report.write_text(markdown(results, final, started) + "\n")
    ok = all(passed(result) for result in results) and not (
        final["lost"] or final["duplicates"] or final["half_applied"]
    )
    print(f"\n{'ALL FAULTS PASSED' if ok else 'SOME FAULTS FAILED'}; report: {report}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
