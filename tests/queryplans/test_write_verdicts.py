"""How a write's filter is judged: by _id or on an index, never with $expr."""

from educatenext.queryplans.explain import Verdict


def verdict(stages, *, by_id=False, expr=False, kind="write"):
    return Verdict("invoices", kind, "{}", stages, 5, 0, 1, by_id=by_id, expr=expr)


def test_a_write_by_id_passes_whatever_the_server_explains():
    assert verdict(("COLLSCAN",), by_id=True).ok


def test_a_write_with_expr_fails_even_by_id():
    assert not verdict(("IXSCAN",), by_id=True, expr=True).ok


def test_a_write_not_by_id_must_be_on_an_index():
    assert verdict(("FETCH", "IXSCAN")).ok
    assert not verdict(("COLLSCAN",)).ok


def test_a_read_is_still_judged_on_what_it_examines():
    assert not verdict(("FETCH", "IXSCAN"), kind="find").ok  # 5 examined, 0 returned


def test_filters_by_id_and_with_expr_are_recognised():
    from bson import ObjectId

    from educatenext.queryplans.explain import _holds_expr, _names_ids

    assert _names_ids({"_id": ObjectId()})
    assert _names_ids({"_id": {"$in": [ObjectId()]}})
    assert not _names_ids({"_id": {"$gt": ObjectId()}})
    assert not _names_ids({"date": "2026-01-01"})
    assert _holds_expr({"$and": [{"a": 1}, {"$expr": {"$lte": ["$a", 2]}}]})
    assert not _holds_expr({"a": {"$in": [1, 2]}})
