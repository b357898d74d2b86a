"""A cached, authenticated, rate-limited read costs two Redis round trips, no MongoDB."""

import threading
import time

import pytest
import redis
from pymongo import monitoring

from scripts.localservers import RedisServer

pytestmark = pytest.mark.redis


class CommandCounter(monitoring.CommandListener):
    """Counts MongoDB commands."""

    def __init__(self):
        self.count = 0

    def started(self, event):
        """One more."""
        self.count += 1

    def succeeded(self, event):
        """Not needed."""

    def failed(self, event):
        """Not needed."""


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def mongo_commands():
    return CommandCounter()


@pytest.fixture
def app(make_app, redis_server, mongo_commands):
    """Its own Redis, so MONITOR sees only this test."""
    return make_app(REDIS_URL=redis_server.url, MONGO_EVENT_LISTENERS=[mongo_commands])


def commands_during(redis_server, action):
    """Commands clients sent to Redis while action ran (not those run inside scripts)."""
    seen = []
    ready = threading.Event()
    marker = redis.Redis.from_url(redis_server.url)
    marker.ping()  # connect now, so its handshake is not counted

    def listen():
        with redis.Redis.from_url(redis_server.url).monitor() as monitor:
            ready.set()
            for command in monitor.listen():
                if "END-OF-TEST" in command["command"]:
                    return
                if command.get("client_type") != "lua":
                    seen.append(command["command"].split()[0].upper())

    thread = threading.Thread(target=listen)
    thread.start()
    ready.wait(5)
    time.sleep(0.2)
    result = action()
    marker.get("END-OF-TEST")
    thread.join(5)
    return seen, result


def test_a_cached_read_is_two_round_trips(api, redis_server, mongo_commands):
    admin = api("admin", "a")
    for _ in range(3):
        admin.get("/students")
    before = mongo_commands.count
    seen, response = commands_during(redis_server, lambda: admin.get("/students"))
    assert response.headers["X-Cache"] == "HIT"
    assert response.headers["X-RateLimit-Remaining"]
    assert sorted(seen) == ["EVALSHA", "MGET"]  # limiter; auth context + entry + generations
    assert mongo_commands.count == before
