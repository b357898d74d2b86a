"""API7 (SSRF): the API never fetches user-supplied URLs; it has no outbound HTTP client at all."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.security
PACKAGE = Path(__file__).resolve().parents[2] / "educatenext"
CLIENTS = re.compile(
    r"^\s*(import|from)\s+(requests|httpx|urllib\.request|urllib3|aiohttp|http\.client)\b", re.M
)


def test_no_http_client_is_imported_by_the_app():
    offenders = [str(path) for path in PACKAGE.rglob("*.py") if CLIENTS.search(path.read_text())]
    assert offenders == []
