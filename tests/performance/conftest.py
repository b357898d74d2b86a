"""Fixtures shared by the performance tests."""

import pytest

from scripts.localservers import RedisServer


@pytest.fixture
def redis_server():
    """A redis-server of the test's own (MONITOR sees only it; the test may stop it)."""
    server = RedisServer().start()
    yield server
    server.stop()
