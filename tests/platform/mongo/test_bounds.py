"""Inclusive date and string ends become the equal exclusive ones, in filters and on a server."""

from datetime import UTC, datetime

import pytest
from bson import ObjectId

from educatenext.platform.mongo.bounds import exclusive_ends, exclusive_pipeline

DAY = datetime(2026, 1, 2, tzinfo=UTC)


def test_date_ends_become_the_neighbouring_milliseconds():
    selector = {"date": {"$gte": DAY, "$lte": DAY.replace(microsecond=2500)}}
    assert exclusive_ends(selector) == {
        "date": {"$gt": DAY.replace(day=1, hour=23, minute=59, second=59, microsecond=999000),
                 "$lt": DAY.replace(microsecond=3000)}
    }  # fmt: skip
    assert selector["date"]["$lte"] == DAY.replace(microsecond=2500)  # the caller's is untouched


def test_a_string_upper_bound_becomes_its_successor_and_other_types_stay():
    assert exclusive_ends({"month": {"$lte": "2026-12"}}) == {"month": {"$lt": "2026-12\x00"}}
    assert exclusive_ends({"name": {"$gte": "sa"}}) == {"name": {"$gte": "sa"}}
    numbers = {"score": {"$lte": 5}}
    assert exclusive_ends(numbers) is numbers  # 5.5 > 5 but < 6: numbers have no successor


def test_branches_are_rewritten_and_an_unchanged_filter_is_the_same_object():
    selector = {"$or": [{"a": 1}, {"d": {"$lte": DAY}}], "b": {"$in": [1]}}
    assert exclusive_ends(selector)["$or"][1] == {"d": {"$lt": DAY.replace(microsecond=1000)}}
    plain = {"a": 1, "d": {"$lt": DAY}, "both": {"$lt": DAY, "$lte": DAY, "$gt": 1, "$gte": DAY}}
    assert exclusive_ends(plain) is plain
    pipeline = [{"$match": {"d": {"$lte": "x"}}}, {"$group": {"_id": "$d"}}]
    assert exclusive_pipeline(pipeline)[0] == {"$match": {"d": {"$lt": "x\x00"}}}
    assert exclusive_pipeline(pipeline)[1] is pipeline[1]
    assert exclusive_pipeline([{"$sort": {"a": 1}}]) == [{"$sort": {"a": 1}}]


@pytest.mark.mongo
def test_the_rewritten_filter_selects_the_same_documents_on_an_index_with_keys_after_the_range(
    app,
):
    from educatenext.extensions import mongo

    with app.app_context():
        collection = mongo.db.bounds_probe
        collection.create_index([("t", 1), ("d", 1), ("_id", 1)])
        collection.create_index([("t", 1), ("d", -1), ("_id", -1)], name="descending")
        tenant = ObjectId()
        days = [datetime(2026, 1, n, tzinfo=UTC) for n in (1, 2, 3)]
        collection.insert_many([{"t": tenant, "d": day, "s": f"2026-0{n}"}
                                for n, day in enumerate(days, 1)])  # fmt: skip
        for selector, expected in (
            ({"t": tenant, "d": {"$lte": days[1]}}, 2),
            ({"t": tenant, "d": {"$gte": days[0], "$lte": days[2]}}, 3),
            ({"t": tenant, "s": {"$lte": "2026-02"}}, 2),
        ):
            rewritten = exclusive_ends(selector)
            assert collection.count_documents(rewritten) == expected, selector
            if "d" in selector:
                assert len(list(collection.find(rewritten).hint("descending"))) == expected
        collection.drop()
