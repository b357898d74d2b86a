"""The slow-query log: command, collection, duration, shape and request id; never values."""

import logging

import pytest


@pytest.fixture
def app(make_app):
    """Every command counts as slow."""
    return make_app(SLOW_QUERY_MS=0.0)


def test_slow_queries_are_logged_with_shape_and_request_id_but_no_values(api, world, caplog):
    with caplog.at_level(logging.WARNING, logger="educatenext.slowquery"):
        response = api("admin", "a").get("/students?q=Sam")
    request_id = response.headers["X-Request-ID"]
    records = [r for r in caplog.records if r.name == "educatenext.slowquery"]
    finds = [r.fields for r in records if r.fields["collection"] == "students"]
    assert finds
    assert all(f["requestId"] == request_id for f in finds)
    assert any(f["command"] == "find" and "nameLower" in f["shape"] for f in finds)
    logged = repr([r.fields for r in records])
    assert "sam" not in logged.lower()
    assert str(world["a"]["institution"]["_id"]) not in logged
