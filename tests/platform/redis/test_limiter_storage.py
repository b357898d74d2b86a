"""The limiter's Redis storages remember failures, so the in-memory fallback cannot flap."""

import pytest
import redis

from educatenext.extensions import limiter
from educatenext.platform import library_internals
from educatenext.platform.redis import limiter_storage
from educatenext.platform.redis.limiter_storage import (
    OneTripRedisStorage,
    guarded_cluster_uri,
    one_trip_uri,
)

pytestmark = pytest.mark.redis


class BrokenScript:
    """Stands in for the counter script on a node that is gone while PING still answers."""

    def __init__(self):
        self.calls = 0

    def __call__(self, keys, args):
        self.calls += 1
        raise redis.ConnectionError("the key's node is down")


def test_a_failed_operation_keeps_check_false_for_the_cooldown(redis_url, monkeypatch):
    storage = OneTripRedisStorage(one_trip_uri(redis_url))
    assert storage.check()
    storage.lua_incr_with_ttl = BrokenScript()
    with pytest.raises(redis.ConnectionError):
        storage.incr("k", 60)
    assert storage.get_connection().ping()
    assert not storage.check()  # PING works, but the counters just failed
    monkeypatch.setattr(limiter_storage, "FAILURE_COOLDOWN_SECONDS", 0)
    assert storage.check()


def test_the_cluster_uri_selects_the_guarded_storage():
    assert guarded_cluster_uri("redis+cluster://a:1,b:2") == "redis+cluster+guarded://a:1,b:2"
    assert guarded_cluster_uri("redis://a:1") == "redis://a:1"


def test_requests_fall_back_after_one_failed_attempt(api):
    teacher = api("teacher", "a")
    broken = BrokenScript()
    working = limiter.storage.lua_incr_with_ttl
    limiter.storage.lua_incr_with_ttl = broken
    try:
        statuses = [teacher.get("/students").status_code for _ in range(5)]
        # One try of the broken storage; then in-memory limits until the cooldown ends,
        # instead of Flask-Limiter switching back on a successful PING and failing again.
        assert statuses == [200] * 5
        assert broken.calls == 1
    finally:
        limiter.storage.lua_incr_with_ttl = working
        library_internals.revive_storage(limiter)
        limiter.storage.failed_at = 0.0
