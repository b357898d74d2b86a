"""Contract pagination: bare arrays, page/limit, X-Total-Count and Link headers."""

import json

import pytest

from educatenext.extensions import api
from tests import probe


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
