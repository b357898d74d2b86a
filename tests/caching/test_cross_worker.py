"""Read-your-writes across processes: write through one gunicorn, read through another."""

import json
import urllib.request

import pytest

from devservers.processes import GunicornServer

pytestmark = [pytest.mark.mongo, pytest.mark.redis, pytest.mark.slow]
ROUNDS = 40


def call(base, method, path, token=None, body=None):
    """One HTTP request on a new connection; (status, headers, json)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}/api/v1{path}", data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return response.status, response.headers, json.loads(response.read())


@pytest.fixture
def servers(server_env, world, tmp_path):
    """Two single-worker gunicorn servers on the test app's database and Redis."""
    env = {**server_env, "RATELIMIT_READ": "100000 per minute",
           "RATELIMIT_WRITE": "100000 per minute", "LOG_LEVEL": "WARNING"}  # fmt: skip
    started = []
    try:
        for name in ("one", "two"):
            server = GunicornServer(
                {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / name)},
                workers=1,
                log_path=tmp_path / f"{name}.log",
            )
            started.append(server.start())
        yield started
    finally:
        for server in started:
            server.stop()


def test_no_stale_read_when_writing_through_one_process_and_reading_through_another(servers):
    one, two = (server.url for server in servers)
    _, _, login = call(one, "POST", "/auth/login", body={
        "email": "admin@a.test", "password": "Correct-Horse-Battery-42"})  # fmt: skip
    token = login["token"]
    hits = stale = 0
    for round_number in range(ROUNDS):
        writer, reader = (one, two) if round_number % 2 == 0 else (two, one)
        for _ in range(2):  # make sure the reader holds a cached entry before the write
            _, headers, _ = call(reader, "GET", "/subjects?limit=100", token)
            hits += headers["X-Cache"] == "HIT"
        name = f"Subject {round_number:03d}"
        status, _, _ = call(writer, "POST", "/subjects", token,
                            {"name": name, "code": f"S{round_number:03d}"})  # fmt: skip
        assert status == 201
        _, headers, listed = call(reader, "GET", "/subjects?limit=100", token)
        stale += name not in {subject["name"] for subject in listed}
    assert stale == 0
    assert hits >= ROUNDS // 2  # the cache was really in play, not bypassed
    # Both servers' /metrics saw it (multiprocess mode: the worker's samples, via files).
    with urllib.request.urlopen(f"{one}/metrics", timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    assert (
        'educatenext_http_requests_total{method="POST",route="/api/v1/subjects",status="201"}'
        in text
    )
    assert 'educatenext_cache_lookups_total{area="subjects",result="hit"}' in text
    assert 'educatenext_cache_hit_ratio{area="subjects"}' in text
    assert (
        'educatenext_mongo_command_duration_seconds_count{collection="subjects",command="find"'
        in text
    )
