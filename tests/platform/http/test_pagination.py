"""Contract pagination: bare arrays, page/limit, X-Total-Count and Link headers."""

import json

import pytest

from educatenext.extensions import api
from tests import probe
from tests.commands import CommandLog


@pytest.fixture
def app(make_app):
    """An app with the probe blueprint."""
    app = make_app(PAGINATION_DEFAULT_LIMIT=10)
    api.register_blueprint(probe.blp, url_prefix="/api/v1/probe")
    return app


@pytest.fixture
def probe_client(client):
    """The probe app's client, with 25 widgets."""
    for number in range(25):
        assert (
            client.post("/api/v1/probe/widgets", json={"code": f"w{number:02d}"}).status_code == 201
        )
    return client


def test_default_page_is_a_bare_array_with_totals(probe_client):
    response = probe_client.get("/api/v1/probe/widgets")
    body = response.get_json()
    assert isinstance(body, list)
    assert [w["code"] for w in body] == [f"w{n:02d}" for n in range(10)]
    assert response.headers["X-Total-Count"] == "25"
    assert json.loads(response.headers["X-Pagination"]) == {
        "total": 25,
        "page": 1,
        "limit": 10,
        "totalPages": 3,
    }
    link = response.headers["Link"]
    assert 'page=2&limit=10>; rel="next"' in link
    assert 'rel="prev"' not in link
    assert 'page=3&limit=10>; rel="last"' in link


def test_last_page_has_prev_and_no_next(probe_client):
    response = probe_client.get("/api/v1/probe/widgets?page=3&limit=10")
    assert [w["code"] for w in response.get_json()] == ["w20", "w21", "w22", "w23", "w24"]
    assert 'page=2&limit=10>; rel="prev"' in response.headers["Link"]
    assert 'rel="next"' not in response.headers["Link"]


def test_limit_is_capped_by_configuration(make_app):
    app = make_app(PAGINATION_MAX_LIMIT=3)
    api.register_blueprint(probe.blp, url_prefix="/api/v1/probe")
    client = app.test_client()
    for number in range(5):
        client.post("/api/v1/probe/widgets", json={"code": f"c{number}"})
    response = client.get("/api/v1/probe/widgets?limit=50")
    assert len(response.get_json()) == 3
    assert json.loads(response.headers["X-Pagination"])["limit"] == 3


@pytest.mark.parametrize(
    ("query", "codes", "total", "counted"),
    [
        ("page=3&limit=10", 5, 25, False),  # a short page is the last: its total is known
        ("page=1&limit=30", 25, 25, False),
        ("page=1&limit=25", 25, 25, True),  # a full page may have more after it
        ("page=2&limit=10", 10, 25, True),
        ("page=4&limit=10", 0, 25, True),  # past the end: only a count can tell the total
    ],
)
def test_a_page_counts_only_when_it_cannot_know_the_total(make_app, query, codes, total, counted):
    listener = CommandLog()
    app = make_app(MONGO_EVENT_LISTENERS=[listener])
    api.register_blueprint(probe.blp, url_prefix="/api/v1/probe")
    client = app.test_client()
    for number in range(25):
        client.post("/api/v1/probe/widgets", json={"code": f"w{number:02d}"})
    listener.clear()
    response = client.get(f"/api/v1/probe/widgets?{query}")
    assert len(response.get_json()) == codes
    assert response.headers["X-Total-Count"] == str(total)
    assert listener.counts() == (1 if counted else 0)


def test_an_empty_list_is_a_total_of_zero_without_a_count(make_app):
    listener = CommandLog()
    app = make_app(MONGO_EVENT_LISTENERS=[listener])
    api.register_blueprint(probe.blp, url_prefix="/api/v1/probe")
    listener.clear()  # the app's migrations ran on this client: count the request's only
    response = app.test_client().get("/api/v1/probe/widgets")
    assert response.get_json() == []
    assert response.headers["X-Total-Count"] == "0"
    assert listener.counts() == 0
