"""Fixtures shared by the performance tests."""

import pytest

from devservers.processes import RedisServer
from tests.commands import CommandLog


@pytest.fixture
def redis_server():
    """A redis-server of the test's own (MONITOR sees only it; the test may stop it)."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def mongo_commands():
    """The MongoDB commands of apps built with MONGO_EVENT_LISTENERS=[mongo_commands]."""
    return CommandLog()


@pytest.fixture
def another_worker(app, make_app):
    """Build another "worker": an app on the same database, Redis, key prefixes and settings."""
    shared = ("MONGO_DB_NAME", "REDIS_URL", "CACHE_KEY_PREFIX", "RATELIMIT_KEY_PREFIX",
              "MONGO_EVENT_LISTENERS", "RESPONSE_CACHE_ENABLED")  # fmt: skip

    def build(**overrides):
        return make_app(
            migrate=False, **{**{name: app.config[name] for name in shared}, **overrides}
        )

    return build
