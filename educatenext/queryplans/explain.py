"""explain() for recorded shapes: index use and documents examined per document returned."""

from dataclasses import dataclass

from educatenext.queryplans.sort_order import leading_sort, supplying_index

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
    by_id: bool = False  # a write's filter names one _id (or a list of them)
    expr: bool = False  # a write's filter holds $expr
    sorted_by: tuple = ()  # the sort keys of a sorted read
    order_index: str | None = None  # the index that supplies that order

    @property
    def blocking_sort(self):
        """A sorted read with no index that supplies its order: the server sorts in memory."""
        return bool(self.sorted_by) and self.order_index is None

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
        """On an index, a read examining at most 1.5x what it returns, and sorted by an index.

        A write's filter is judged on its seek only (explained after the tour, a conditional
        write's filter names the document as it was and may match nothing now): by _id, or on
        an index, and never with $expr, which secantusdb runs as a collection scan
        whatever else the filter names (decision 0004).
        """
        if self.kind == "write":
            return not self.expr and (self.by_id or not self.collection_scan)
        return (
            not self.collection_scan
            and self.ratio <= MAX_EXAMINED_PER_RETURNED
            and not self.blocking_sort
        )


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


def explain(db, recorded, indexes=None):
    """Run explain(executionStats) for a recorded shape's example (indexes: by collection)."""
    example = recorded.example
    if recorded.kind == "aggregate":
        command = {"aggregate": recorded.collection, "pipeline": example["pipeline"], "cursor": {}}
    elif recorded.kind in ("count", "write"):
        # Neither explains as a find would; the same filter as a find plans the same seek.
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
    selector = example.get("filter", {})
    sorted_read, order_index = leading_sort(example, recorded.kind), None
    if sorted_read:
        if indexes is None or recorded.collection not in indexes:
            indexes = {recorded.collection: list(db[recorded.collection].list_indexes())}
        order_index = supplying_index(indexes[recorded.collection], *sorted_read)
    return Verdict(
        recorded.collection, recorded.kind, recorded.shape, stages, examined, returned,
        recorded.seen, by_id=_names_ids(selector), expr=_holds_expr(selector),
        sorted_by=tuple(key for key, _ in sorted_read[1]) if sorted_read else (),
        order_index=order_index,
    )  # fmt: skip


def _names_ids(selector):
    """The filter picks documents by _id equality or an $in list of them."""
    target = selector.get("_id")
    return target is not None and (not isinstance(target, dict) or set(target) <= {"$eq", "$in"})


def _holds_expr(value):
    """$expr anywhere in a filter."""
    if isinstance(value, dict):
        return "$expr" in value or any(_holds_expr(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_expr(item) for item in value)
    return False


def _aggregate_stats(explained):
    """Documents examined and returned by an aggregation's first ($match) stage."""
    stages = explained.get("stages")
    if isinstance(stages, list) and stages and "$cursor" in stages[0]:
        return _find_stats(stages[0]["$cursor"])
    return _find_stats(explained)  # MongoDB's single-stage (SBE) explain shape
