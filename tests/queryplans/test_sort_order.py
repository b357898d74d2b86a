"""When an index supplies a sort order (MongoDB's rule), judged from index definitions."""

from bson import ObjectId

from educatenext.queryplans.explain import Verdict
from educatenext.queryplans.sort_order import (
    equality_fields,
    leading_sort,
    supplies_order,
    supplying_index,
)

TENANT = ObjectId()
BY_NAME = [("nameLower", 1), ("_id", 1)]


def test_equalities_are_plain_values_eq_and_single_value_in():
    selector = {"a": 1, "b": {"$eq": 2}, "c": {"$in": [3]}, "d": {"$in": [4, 5]},
                "e": {"$gte": 1}, "$or": [{"f": 1}]}  # fmt: skip
    assert equality_fields(selector) == {"a", "b", "c"}


def test_an_index_on_the_bound_fields_then_the_sort_keys_supplies_the_order():
    pattern = [("institutionId", 1), ("classroomId", 1), ("nameLower", 1), ("_id", 1)]
    selector = {"institutionId": TENANT, "classroomId": ObjectId()}
    assert supplies_order(pattern, selector, BY_NAME)
    assert supplies_order(pattern, selector, [("nameLower", -1), ("_id", -1)])  # walked back


def test_the_tie_breaker_must_be_in_the_index_too():
    pattern = [("institutionId", 1), ("nameLower", 1)]
    assert not supplies_order(pattern, {"institutionId": TENANT}, BY_NAME)


def test_an_unbound_field_before_the_sort_keys_breaks_the_order():
    pattern = [("institutionId", 1), ("status", 1), ("nameLower", 1), ("_id", 1)]
    assert not supplies_order(pattern, {"institutionId": TENANT}, BY_NAME)
    assert not supplies_order(pattern, {"institutionId": TENANT, "status": {"$in": ["a", "b"]}},
                              BY_NAME)  # fmt: skip
    assert supplies_order(pattern, {"institutionId": TENANT, "status": "active"}, BY_NAME)


def test_mixed_directions_must_match_or_be_all_reversed():
    pattern = [("institutionId", 1), ("date", -1), ("_id", 1)]
    selector = {"institutionId": TENANT}
    assert supplies_order(pattern, selector, [("date", -1), ("_id", 1)])
    assert supplies_order(pattern, selector, [("date", 1), ("_id", -1)])
    assert not supplies_order(pattern, selector, [("date", -1), ("_id", -1)])


def test_a_bound_sort_key_is_constant_and_a_range_field_is_not():
    pattern = [("institutionId", 1), ("nameLower", 1), ("_id", 1)]
    prefix = {"institutionId": TENANT, "nameLower": {"$gte": "sa", "$lt": "sb"}}
    assert supplies_order(pattern, prefix, BY_NAME)
    assert supplies_order(pattern, {"institutionId": TENANT, "nameLower": "sam"}, BY_NAME)
    assert not supplies_order(pattern, prefix, [("createdAt", 1), ("_id", 1)])


def test_a_unique_index_orders_ties_itself():
    pattern = [("institutionId", 1), ("studentId", 1), ("academicYear", 1), ("semester", 1)]
    selector = {"institutionId": TENANT, "studentId": ObjectId()}
    by_period = [("academicYear", -1), ("semester", -1), ("_id", -1)]
    assert supplies_order(pattern, selector, by_period, unique=True)
    assert not supplies_order(pattern, selector, by_period)
    assert not supplies_order(pattern, selector, [("semester", 1), ("_id", 1)], unique=True)


def test_partial_sparse_and_text_indexes_never_supply_an_order():
    key = {"institutionId": 1, "nameLower": 1, "_id": 1}
    selector = {"institutionId": TENANT}
    indexes = [
        {"name": "partial", "key": key, "partialFilterExpression": {"status": "active"}},
        {"name": "sparse", "key": key, "sparse": True},
        {"name": "text", "key": {"institutionId": 1, "nameLower": "text"}},
    ]
    assert supplying_index(indexes, selector, BY_NAME) is None
    assert supplying_index([*indexes, {"name": "plain", "key": key}], selector, BY_NAME) == "plain"


def test_the_sort_of_a_find_and_of_a_leading_aggregate_sort_are_recognised():
    assert leading_sort({"filter": {"a": 1}, "sort": {"b": 1}}, "find") == ({"a": 1}, [("b", 1)])
    assert leading_sort({"filter": {"a": 1}}, "find") is None
    pipeline = [{"$match": {"a": 1}}, {"$sort": {"b": -1}}, {"$limit": 5}]
    assert leading_sort({"pipeline": pipeline}, "aggregate") == ({"a": 1}, [("b", -1)])
    grouped = [{"$match": {"a": 1}}, {"$group": {"_id": "$b"}}, {"$sort": {"_id": 1}}]
    assert leading_sort({"pipeline": grouped}, "aggregate") is None
    assert leading_sort({"filter": {"a": 1}}, "count") is None


def test_a_sorted_read_without_a_supplying_index_fails_its_verdict():
    def verdict(order_index):
        return Verdict("students", "find", "{}", ("IXSCAN",), 5, 5, 1,
                       sorted_by=("nameLower", "_id"), order_index=order_index)  # fmt: skip

    assert verdict("students_name").ok
    assert verdict(None).blocking_sort
    assert not verdict(None).ok
