"""Markdown report and PNG plots from the benchmark's results."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

TARGETS = """\
| target | measured | met |
|---|---|---|
"""


# Above this, a line's answer at 10xS is not the same answer as at S (see answer_growth).
ANSWER_GROWTH_LIMIT = 1.5


def answer_growth(small, large):
    """How many times larger one response body is at 10xS than at S (1.0 when not recorded)."""
    if small.get("bytes") and large.get("bytes"):
        return large["bytes"] / small["bytes"]
    return 1.0


def ratio(rows, top, bottom):
    """rows[top].rps / rows[bottom].rps, or None."""
    if top in rows and bottom in rows and rows[bottom]["rps"]:
        return rows[top]["rps"] / rows[bottom]["rps"]
    return None


def write(results, out):
    """README.md plus latency.png and concurrency.png in out."""
    out = Path(out)
    scales = [s for s in ("S", "10S") if s in results]
    lines = [
        "# Benchmark results",
        "",
        f"Run started {results['started']} on this machine (2 cores); gunicorn 2 sync workers "
        f"with gunicorn.conf.py and the production config, secantusdb and redis-server on "
        f"loopback; wrk 2 threads, {results['connections']} connections, {results['seconds']} s "
        f"per line unless stated; each line starts once the server answers /health at once "
        f'again (the backlog the previous line left is drained first). "Uncached" lines run '
        f"with `RESPONSE_CACHE_ENABLED=false`: every response is built from MongoDB, though "
        f"student pages take their classroom names from the worker's memo (checked against "
        f"Redis's generation tokens; the raw pymongo line does not read the names at all). "
        f"Regenerate with `make bench`.",
        "",
    ]
    for scale in scales:
        data = results[scale]
        lines += [
            f"## Scale {scale}: {data['students']:,} students, "
            f"{data.get('attendance', 0):,} attendance records",
            "",
            "| measurement | req/s | p50 ms | p95 ms | p99 ms | errors | backlog drained in s |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for label, row in data.get("rows", {}).items():
            lines.append(
                f"| {label} | {row['rps']:,.0f} | {row['p50']:.2f} | {row['p95']:.2f} | "
                f"{row['p99']:.2f} | {row['errors']} ({row['error_rate']:.2%}) | "
                f"{row.get('drain_seconds', 0):.1f} |"
            )
        lines.append("")
        if "mixed_hit_ratio" in data:
            lines.append(f"Mixed workload cache hit ratio: {data['mixed_hit_ratio']:.1%}")
            lines.append("")
    lines += ["## Targets", "", TARGETS.rstrip()]
    for scale in scales:
        rows = results[scale].get("rows", {})
        cached = ratio(rows, "(b) cached list read", "(a) bare Flask ceiling")
        raw = ratio(rows, "(c) uncached list read", "(c) raw pymongo, same query")
        if cached is not None:
            lines.append(f"| [{scale}] cached list ≥ 0.5x bare Flask | {cached:.2f}x | "
                         f"{'yes' if cached >= 0.5 else 'no'} |")  # fmt: skip
        if raw is not None:
            lines.append(f"| [{scale}] uncached API ≥ 0.6x raw pymongo | {raw:.2f}x | "
                         f"{'yes' if raw >= 0.6 else 'no'} |")  # fmt: skip
    if len(scales) == 2:
        small, large = results["S"].get("rows", {}), results["10S"].get("rows", {})
        for label in small:
            if "uncached" in label and label in large and small[label]["p50"]:
                if not large[label]["requests"]:
                    lines.append(f"| p50 growth S→10xS, {label} ≤ 1.3x | no request completed "
                                 "within the window at 10xS | no |")  # fmt: skip
                    continue
                growth = large[label]["p50"] / small[label]["p50"]
                larger = answer_growth(small[label], large[label])
                if larger > ANSWER_GROWTH_LIMIT:
                    # The answer itself grew (completion lists every classroom not yet taken):
                    # its time follows its size, which no index keeps constant.
                    lines.append(f"| p50 growth S→10xS, {label} ≤ 1.3x | {growth:.2f}x for an "
                                 f"answer {larger:.1f}x larger | not like for like (growth.md "
                                 "compares equal answers) |")  # fmt: skip
                    continue
                lines.append(f"| p50 growth S→10xS, {label} ≤ 1.3x | {growth:.2f}x | "
                             f"{'yes' if growth <= 1.3 else 'no'} |")  # fmt: skip
    lines.append("")
    lines += ["![latency](latency.png)", "", "![concurrency](concurrency.png)", ""]
    (out / "README.md").write_text("\n".join(lines))
    _plots(results, scales, out)


def _plots(results, scales, out):
    figure, axes = plt.subplots(len(scales), 1, figsize=(11, 5 * len(scales)), squeeze=False)
    for axis, scale in zip(axes[:, 0], scales, strict=True):
        rows = results[scale].get("rows", {})
        labels = list(rows)
        positions = range(len(labels))
        for offset, key in ((-0.25, "p50"), (0, "p95"), (0.25, "p99")):
            axis.bar([p + offset for p in positions], [rows[k][key] for k in labels], 0.25,
                     label=key)  # fmt: skip
        axis.set_xticks(list(positions), labels, rotation=60, ha="right", fontsize=7)
        axis.set_yscale("log")
        axis.set_ylabel("latency (ms, log)")
        axis.set_title(f"Latency percentiles per endpoint, scale {scale}")
        axis.legend()
    figure.tight_layout()
    figure.savefig(out / "latency.png", dpi=90)
    plt.close(figure)
    figure, axis = plt.subplots(figsize=(7, 4))
    for scale in scales:
        rows = results[scale].get("rows", {})
        points = sorted(
            (int(label.split("@")[1].split()[0]), row["rps"])
            for label, row in rows.items()
            if label.startswith("cached list @")
        )
        if "(b) cached list read" in rows:
            points = sorted(
                [*points, (results["connections"], rows["(b) cached list read"]["rps"])]
            )
        if points:
            axis.plot(*zip(*points, strict=True), marker="o", label=f"cached list, {scale}")
    axis.set_xscale("log", base=2)
    axis.set_xlabel("concurrent connections")
    axis.set_ylabel("req/s")
    axis.set_title("Throughput vs concurrency")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "concurrency.png", dpi=90)
    plt.close(figure)
