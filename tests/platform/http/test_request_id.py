"""Request ids: accepted when well formed, generated otherwise, echoed everywhere; JSON logs."""

import io
import json
import logging
import sys

import pytest

from educatenext.platform import request_state
from educatenext.platform.http.requestlog import JSONFormatter


@pytest.fixture
def access_lines():
    """Capture the access log as parsed JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger("educatenext.access")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_well_formed_request_id_is_echoed(client, access_lines):
    response = client.get("/api/v1/missing", headers={"X-Request-ID": "web-app.1234_abc"})
    assert response.headers["X-Request-ID"] == "web-app.1234_abc"
    assert response.get_json()["requestId"] == "web-app.1234_abc"
    [line] = access_lines()
    assert line["requestId"] == "web-app.1234_abc"
    assert line["status"] == 404
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/missing"
    assert line["duration_ms"] >= 0


@pytest.mark.parametrize("bad_id", ["has space", "x" * 129, "semi;colon", "new\\nline", "<script>"])
def test_malformed_request_id_is_replaced(client, bad_id):
    response = client.get("/health", headers={"X-Request-ID": bad_id})
    generated = response.headers["X-Request-ID"]
    assert generated != bad_id
    assert len(generated) == 32


def test_a_request_id_ending_in_a_newline_is_replaced(client):
    """`$` would accept a trailing newline, and the id is echoed in a response header."""
    response = client.get("/health", environ_overrides={"HTTP_X_REQUEST_ID": "abc\n"})
    assert response.headers["X-Request-ID"] != "abc\n"
    assert len(response.headers["X-Request-ID"]) == 32


def test_generated_when_absent_and_unique(client):
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/health").headers["X-Request-ID"]
    assert first != second


def test_log_lines_never_carry_bodies(client, access_lines):
    client.post("/api/v1/anything", json={"password": "hunter2-secret"})
    text = json.dumps(access_lines())
    assert "hunter2" not in text
    assert "password" not in text


def test_error_log_line_has_request_id_and_stack_server_side_only(app):
    formatter = JSONFormatter()
    with app.test_request_context("/x"):
        request_state.current().request_id = "rid-1"
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.getLogger("t").makeRecord(
                "t", logging.ERROR, __file__, 1, "failed", (), exc_info=sys.exc_info()
            )
        line = json.loads(formatter.format(record))
    assert line["requestId"] == "rid-1"
    assert line["level"] == "ERROR"
    assert "ValueError: boom" in line["exception"]
