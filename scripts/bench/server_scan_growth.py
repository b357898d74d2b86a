"""How the development MongoDB-protocol server's indexed reads grow with the matching documents.

Why completion's p50 cannot stay flat from S to 10xS on this machine (docs/benchmarks/growth.md):
a school-wide list reads documents matched by the tenant's equality on an index, and secantusdb
fetches every match before it sorts and limits (a MongoDB walks the index in order and stops at
the limit). Runs raw pymongo against a throwaway secantusdb: one tenant with 250 classrooms and
one with 2,500 in the same collection, each query on an index (explain shows IXSCAN).
`python scripts/bench/server_scan_growth.py`
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bson import ObjectId  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from devservers.processes import MongoServer  # noqa: E402

SIZES = (250, 2500)
ROUNDS = 30


def queries(collection, tenant, ids):
    """(label, query) pairs; each matches by equality on an index."""
    active = {"institutionId": tenant, "status": "active"}
    return [
        ("page of 50 in index order", lambda: list(
            collection.find(active).sort([("nameLower", 1), ("_id", 1)]).limit(50))),
        ("first 50, no sort", lambda: list(collection.find(active).limit(50))),
        ("count", lambda: collection.count_documents(active)),
        ("50 by _id ($in)", lambda: list(collection.find({"institutionId": tenant,
                                                          "_id": {"$in": ids}}))),
    ]  # fmt: skip


def classroom(tenant, number):
    """A classroom document like the API's."""
    return {"institutionId": tenant, "status": "active", "nameLower": f"class {number:05d}",
            "name": f"Class {number}", "academicYear": "2025-2026"}  # fmt: skip


def main():
    """Time each query for both tenants; print p50s and the growth."""
    with tempfile.TemporaryDirectory(prefix="educatenext-scan-") as scratch:
        server = MongoServer(Path(scratch) / "data").start(timeout=60)
        try:
            collection = MongoClient(server.uri).scan.classrooms
            collection.create_index([("institutionId", 1), ("status", 1), ("nameLower", 1),
                                     ("_id", 1)])  # fmt: skip
            tenants = {}
            for size in SIZES:
                tenant = ObjectId()
                docs = [classroom(tenant, number) for number in range(size)]
                collection.insert_many(docs)
                tenants[size] = (tenant, [doc["_id"] for doc in docs[:50]])
            results = {}
            for size, (tenant, ids) in tenants.items():
                for label, run in queries(collection, tenant, ids):
                    run()
                    spent = []
                    for _ in range(ROUNDS):
                        started = time.perf_counter()
                        run()
                        spent.append((time.perf_counter() - started) * 1000)
                    results[label, size] = statistics.median(spent)
            page = collection.find({"institutionId": tenant, "status": "active"})
            page = page.sort([("nameLower", 1), ("_id", 1)]).limit(50)
            plan = page.explain()["queryPlanner"]["winningPlan"]
        finally:
            server.stop()
    small, large = SIZES
    print(f"| query (p50 of {ROUNDS}, ms) | {small} matching | {large} matching | growth |")
    print("|---|---:|---:|---:|")
    for label, _ in queries(None, None, None):
        before, after = results[label, small], results[label, large]
        print(f"| {label} | {before:.1f} | {after:.1f} | {after / before:.1f}x |")
    print(
        f"\npage plan: {plan['stage']} <- {plan['inputStage']['stage']} <- "
        f"{plan['inputStage']['inputStage']['stage']}"
    )


if __name__ == "__main__":
    main()
