"""Redis connections that fail fast for a moment after Redis timed out or refused.

Every Redis use in a request (auth context and cache MGET, the limiter's counter, the
invalidation publish) has its own socket timeout. With Redis frozen (SIGSTOP, a stalled
network) each one would wait it out, several per request. After one timeout or refusal this
process raises at once for REDIS_BACKOFF_SECONDS, so callers take their fallbacks (MongoDB,
in-memory limits, pending invalidations) without waiting; then one call tries Redis again.
"""

import time

import redis
from redis.connection import Connection, SSLConnection

FAILURES = (redis.ConnectionError, redis.TimeoutError)


class Breaker:
    """Process-wide: when Redis last failed, and for how long to stop asking it."""

    backoff_seconds = 1.0
    open_until = 0.0

    @classmethod
    def check(cls):
        """Raise at once while open."""
        if time.monotonic() < cls.open_until:
            raise redis.ConnectionError("Redis failed moments ago (failing fast)")

    @classmethod
    def trip(cls):
        """Open for the backoff period."""
        cls.open_until = time.monotonic() + cls.backoff_seconds

    @classmethod
    def reset(cls):
        """Close (tests)."""
        cls.open_until = 0.0


class FailFastMixin:
    """Check the breaker before talking to Redis; trip it on a timeout or refusal."""

    @staticmethod
    def _tripping(operation, *args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except FAILURES:
            Breaker.trip()
            raise

    def connect(self, *args, **kwargs):
        """Connect unless Redis failed moments ago."""
        Breaker.check()
        return self._tripping(super().connect, *args, **kwargs)

    def send_packed_command(self, *args, **kwargs):
        """Send unless Redis failed moments ago."""
        Breaker.check()
        return self._tripping(super().send_packed_command, *args, **kwargs)

    def read_response(self, *args, **kwargs):
        """Read; a timeout trips the breaker."""
        return self._tripping(super().read_response, *args, **kwargs)


class FailFastConnection(FailFastMixin, Connection):
    """redis:// connections."""


class FailFastSSLConnection(FailFastMixin, SSLConnection):
    """rediss:// connections (an explicit connection_class replaces the URL's choice)."""


def connection_class_for(url):
    """The fail-fast connection class matching a single-server URL's scheme."""
    return FailFastSSLConnection if url.startswith("rediss") else FailFastConnection
