"""Whether an index supplies a query's sort order (so the server never sorts in memory).

The rule is MongoDB's: an index supplies sort S for a filter when, once its fields bound
by an equality in the filter are set aside (each is one value for the whole scan), its
next keys are S's keys (also without bound ones) in S's order, with every direction as in
S or every one reversed. A unique index also orders ties: sort keys after all of its keys
need not be in it. Judged from the index definitions rather than the plan, because
secantusdb never uses an index for order: its plans always show SORT (decision 0004).
"""

ORDERED_KEY = (1, -1)  # text, hashed and geo keys supply no order


def equality_fields(selector):
    """Fields a filter binds to a single value ({f: v}, {f: {$eq: v}}, {f: {$in: [v]}})."""
    bound = set()
    for field, condition in selector.items():
        if field.startswith("$"):
            continue
        single = not isinstance(condition, dict) or set(condition) == {"$eq"}
        if single or (set(condition) == {"$in"} and len(condition["$in"]) == 1):
            bound.add(field)
    return bound


def supplies_order(key_pattern, selector, sort, unique=False):
    """The index with this key pattern [(field, direction)] gives sort's order for the filter."""
    if any(direction not in ORDERED_KEY for _, direction in key_pattern):
        return False
    bound = equality_fields(selector)
    wanted = [(field, direction) for field, direction in sort if field not in bound]
    keys = [(field, direction) for field, direction in key_pattern if field not in bound]
    if unique:
        wanted = wanted[: len(keys)]  # no two documents tie on all of a unique index's keys
    head = keys[: len(wanted)]
    if [field for field, _ in head] != [field for field, _ in wanted]:
        return False
    same = all(ours == theirs for (_, ours), (_, theirs) in zip(head, wanted, strict=True))
    flipped = all(ours == -theirs for (_, ours), (_, theirs) in zip(head, wanted, strict=True))
    return same or flipped


def supplying_index(indexes, selector, sort):
    """Name of an index that supplies the order (partial indexes never count), or None."""
    for index in indexes:
        if index.get("partialFilterExpression") or index.get("sparse"):
            continue
        if supplies_order(list(index["key"].items()), selector, sort, index.get("unique")):
            return index["name"]
    return None


def leading_sort(example, kind):
    """(filter, sort pairs) of a recorded shape whose documents are sorted, else None.

    A find's sort, or an aggregation's $sort that comes first or right after its first
    $match (later ones order computed rows, which no index holds).
    """
    if kind == "find":
        sort = example.get("sort")
        return (example.get("filter", {}), list(sort.items())) if sort else None
    if kind != "aggregate":
        return None
    stages = example.get("pipeline", [])
    selector = {}
    if stages and "$match" in stages[0]:
        selector, stages = stages[0]["$match"], stages[1:]
    if stages and "$sort" in stages[0]:
        return selector, list(stages[0]["$sort"].items())
    return None
