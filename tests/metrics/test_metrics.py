"""/metrics access and content, the slow-query log, Mongo command and pool metrics."""

from educatenext.platform.mongo.monitoring import query_shape


def test_metrics_answer_loopback_callers_in_development(client, api):
    api("admin", "a").get("/students")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    text = response.get_data(as_text=True)
    assert 'route="/api/v1/students"' in text
    assert "educatenext_http_request_duration_seconds_bucket" in text
    assert "educatenext_mongo_pool_wait_seconds_count" in text
    assert "educatenext_cache_hit_ratio" in text


def test_metrics_refuse_other_addresses(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"


def test_metrics_token_is_required_when_configured(make_app):
    client = make_app(METRICS_TOKEN="scrape-token-0123456789").test_client()
    assert client.get("/metrics").status_code == 403
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", headers=wrong).status_code == 403
    right = {"Authorization": "Bearer scrape-token-0123456789"}
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", headers=right, environ_base=remote).status_code == 200


def test_metrics_can_be_switched_off(make_app):
    client = make_app(METRICS_ENABLED=False).test_client()
    assert client.get("/metrics").status_code == 404


def test_production_without_a_token_serves_nobody(make_app):
    app = make_app(ENV_NAME="production")
    assert app.test_client().get("/metrics").status_code == 403


def test_query_shape_replaces_every_value():
    shape = query_shape({"a": 1, "b": {"$in": [1, 2]}, "c": [{"d": "secret"}]})
    assert shape == {"a": "?", "b": {"$in": ["?"]}, "c": [{"d": "?"}]}


def test_probes_and_scrapes_are_never_rate_limited(make_app):
    client = make_app(RATELIMIT_DEFAULT="2 per minute").test_client()
    for path in ("/health", "/ready", "/metrics"):
        assert [client.get(path).status_code for _ in range(4)] == [200] * 4, path
