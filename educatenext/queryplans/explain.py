"""explain() for recorded shapes: index use and documents examined per document returned."""

from dataclasses import dataclass

MAX_EXAMINED_PER_RETURNED = 1.5


@dataclass
class Verdict:
    """The plan of one shape, and whether it passes."""

    collection: str
    kind: str
    shape: str
    stages: tuple
    docs_examined: int
    returned: int
    seen: int

    @property
    def collection_scan(self):
        """The winning plan reads the whole collection."""
        return "COLLSCAN" in self.stages

    @property
    def ratio(self):
        """Documents examined per document returned (0 when both are 0)."""
        if self.returned == 0:
            return 0.0 if self.docs_examined == 0 else float("inf")
        return self.docs_examined / self.returned

    @property
    def ok(self):
        """On an index, and examining at most 1.5x what it returns."""
        return not self.collection_scan and self.ratio <= MAX_EXAMINED_PER_RETURNED


def _stages(plan):
    """Stage names of a plan tree, depth first."""
    if isinstance(plan, dict):
        if "stage" in plan:
            yield plan["stage"]
        for value in plan.values():
            yield from _stages(value)
    elif isinstance(plan, list):
        for item in plan:
            yield from _stages(item)


def _find_stats(explained):
    stats = explained.get("executionStats", {})
    return stats.get("totalDocsExamined", 0), stats.get("nReturned", 0)


def explain(db, recorded):
    """Run explain(executionStats) for a recorded shape's example."""
    example = recorded.example
    if recorded.kind == "aggregate":
        command = {"aggregate": recorded.collection, "pipeline": example["pipeline"], "cursor": {}}
    elif recorded.kind == "count":
        # count's explain reports no documents returned; the same filter as a find does.
        command = {"find": recorded.collection, "filter": example["filter"]}
    else:
        command = {"find": recorded.collection, **example}
    explained = db.command("explain", command, verbosity="executionStats")
    planner = explained.get("queryPlanner")
    if planner is None and explained.get("stages"):
        planner = explained["stages"][0].get("$cursor", {}).get("queryPlanner", {})
    stages = tuple(_stages((planner or {}).get("winningPlan", {})))
    if recorded.kind == "aggregate":
        examined, returned = _aggregate_stats(explained)
    else:
        examined, returned = _find_stats(explained)
    return Verdict(
        recorded.collection, recorded.kind, recorded.shape, stages, examined, returned,
        recorded.seen,
    )  # fmt: skip


def _aggregate_stats(explained):
    """Documents examined and returned by an aggregation's first ($match) stage."""
    stages = explained.get("stages")
    if isinstance(stages, list) and stages and "$cursor" in stages[0]:
        return _find_stats(stages[0]["$cursor"])
    return _find_stats(explained)  # MongoDB's single-stage (SBE) explain shape
