"""deploy/nginx.conf in front of gunicorn: real nginx and gunicorn on loopback ports."""

import gzip
import http.client
import json
import re
import time

import pytest

from devservers.processes import GunicornServer, NginxServer, nginx_binary

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        nginx_binary() is None, reason="nginx is not installed (apt-get install nginx-light)"
    ),
]


@pytest.fixture
def stack(server_env, world, tmp_path):
    """gunicorn (TRUSTED_PROXIES=1) behind nginx; yields (nginx port, paths, gunicorn)."""
    env = {**server_env, "TRUSTED_PROXIES": "1", "LOGIN_RATE_LIMIT_PER_IP": "3 per minute"}
    gunicorn = GunicornServer(env, workers=2, log_path=tmp_path / "app.log").start()
    nginx = NginxServer(tmp_path, gunicorn.port)
    ok, message = nginx.check()
    assert ok, message
    nginx.start()
    try:
        yield nginx.port, tmp_path, gunicorn
    finally:
        nginx.stop()
        gunicorn.stop()


def request(port, method, path, body=None, headers=None):
    """(status, headers dict, raw body) through nginx."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def login(port, forwarded_for):
    payload = json.dumps({"email": "admin@a.test", "password": "wrong password 42"})
    headers = {"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}
    return request(port, "POST", "/api/v1/auth/login", payload, headers)[0]


def test_the_limiter_keys_on_the_address_nginx_saw(stack):
    port, _, _ = stack
    forged = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4, 10.0.0.1"]
    statuses = [login(port, address) for address in forged]
    # Three wrong passwords from 127.0.0.1, then the per-address limit: forging did not help.
    assert statuses == [400, 400, 400, 429]


def test_the_request_id_flows_from_nginx_to_the_app_logs_and_back(stack):
    port, tmp, _ = stack
    status, headers, _ = request(port, "GET", "/health", headers={"X-Request-ID": "trace-abc-123"})
    assert status == 200
    assert headers["X-Request-ID"] == "trace-abc-123"
    status, headers, _ = request(port, "GET", "/health")
    generated = headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)  # nginx's $request_id, kept by the app
    time.sleep(0.5)
    app_log = (tmp / "app.log").read_text()
    access_log = (tmp / "educatenext-access.log").read_text()
    for request_id in ("trace-abc-123", generated):
        assert f'"requestId": "{request_id}"' in app_log
        assert f'"requestId":"{request_id}"' in access_log


def test_an_oversized_body_gets_413_in_the_envelope(stack):
    port, _, _ = stack
    body = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    headers = {"Content-Type": "application/json", "X-Request-ID": "big-body-1"}
    status, response_headers, raw = request(port, "POST", "/api/v1/auth/login", body, headers)
    assert status == 413
    envelope = json.loads(raw)
    assert envelope["code"] == "PAYLOAD_TOO_LARGE"
    assert envelope["requestId"] == "big-body-1"
    assert {"error", "code", "timestamp", "requestId"} <= envelope.keys()
    assert response_headers["Content-Type"].startswith("application/json")


def test_json_is_gzipped(stack):
    port, _, _ = stack
    status, headers, raw = request(port, "GET", "/api/v1/openapi.json",
                                   headers={"Accept-Encoding": "gzip"})  # fmt: skip
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(raw))["openapi"].startswith("3.")
    assert "nginx/" not in headers.get("Server", "")  # server_tokens off


def test_gunicorn_down_is_a_503_envelope_not_an_html_502(stack):
    port, _, gunicorn = stack
    gunicorn.stop()
    status, headers, raw = request(port, "GET", "/api/v1/students")
    assert status == 503
    assert headers["Content-Type"].startswith("application/json")
    assert int(headers["Retry-After"]) > 0
    assert json.loads(raw)["code"] == "SERVICE_UNAVAILABLE"
