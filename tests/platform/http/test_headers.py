"""Security headers on every response; CORS for the allow-listed web origin."""

import pytest

WEB = "http://localhost:3000"


@pytest.mark.parametrize("path", ["/health", "/api/v1/missing", "/api/v1/openapi.json"])
def test_security_headers_everywhere_errors_included(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "Strict-Transport-Security" not in headers


def test_docs_page_csp_is_relaxed_only_there(client):
    csp = client.get("/api/docs").headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp
    assert "frame-ancestors 'none'" in csp


def test_hsts_over_tls(client):
    assert (
        "max-age="
        in client.get("/health", base_url="https://api.example").headers[
            "Strict-Transport-Security"
        ]
    )


def test_authenticated_responses_are_not_stored(client, auth_headers):
    assert (
        client.get("/api/v1/auth/me", headers=auth_headers("teacher")).headers["Cache-Control"]
        == "no-store"
    )
    assert (
        client.get("/api/v1/auth/me", headers={"x-auth-token": "bad"}).headers["Cache-Control"]
        == "no-store"
    )
    assert "no-store" not in client.get("/health").headers.get("Cache-Control", "")


def test_preflight_from_the_web_app_succeeds(client):
    response = client.options(
        "/api/auth/login",
        headers={
            "Origin": WEB,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-auth-token",
        },
    )
    assert response.status_code == 204
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    for header in (
        "content-type",
        "x-auth-token",
        "authorization",
        "x-request-id",
        "idempotency-key",
    ):
        assert header in allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Origin"] == WEB
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_other_origins_get_no_cors_grant(client):
    response = client.options(
        "/api/auth/login",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/health", headers={"Origin": "https://evil.example"}).headers
    )


def test_actual_requests_expose_the_list_headers(client, auth_headers):
    response = client.get("/api/students", headers={**auth_headers("admin"), "Origin": WEB})
    assert response.headers["Access-Control-Allow-Origin"] == WEB
    assert "X-Total-Count" in response.headers["Access-Control-Expose-Headers"]
    error = client.get("/api/nothing", headers={"Origin": WEB})
    assert error.headers["Access-Control-Allow-Origin"] == WEB  # clients can read error envelopes


def test_production_refuses_a_wildcard_origin(monkeypatch):
    from educatenext.config import ProductionConfig

    for name, value in (
        ("SECRET_KEY", "s" * 40),
        ("QR_SECRET", "q" * 40),
        ("MFA_SECRET_KEY", "m" * 40),
        ("REDIS_URL", "redis://x"),
        ("CORS_ORIGINS", "*"),
    ):
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match="CORS_ORIGINS"):
        ProductionConfig().validate()
