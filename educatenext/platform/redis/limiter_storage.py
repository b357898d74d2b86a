"""A Redis storage for Flask-Limiter whose increment also returns the window's TTL.

With rate-limit headers on, the stock fixed-window storage needs three round trips per
request (increment, then GET and TTL for X-RateLimit-Remaining/Reset). This one runs a single
script returning both the count and the TTL and remembers them for the rest of the request,
so the headers cost nothing more. Selected with the `redis+onetrip://` URI scheme.

The same script can also read other keys in that round trip (count_and_read): the cache fast
lane counts a request against its limit and reads the auth context and the cached response
together. A count made that way is remembered, so Flask-Limiter's own check later in the same
request (when the fast lane steps aside) reuses it instead of counting the request twice.

Both storages here also remember their last failure (see RemembersFailures), which keeps
Flask-Limiter's in-memory fallback from flapping back to a storage that is still broken.
"""

import os
import threading
import time
import weakref

from flask import has_app_context
from limits.storage import RedisClusterStorage, RedisStorage
from redis.exceptions import NoScriptError, ResponseError

from educatenext.platform import request_state

# How long a failed storage stays "unhealthy" for Flask-Limiter's recovery check.
FAILURE_COOLDOWN_SECONDS = 5.0

INCREMENT = """
local current = redis.call('incrby', KEYS[1], ARGV[2])
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call('expire', KEYS[1], ARGV[1])
end
"""
INCR_WITH_TTL = INCREMENT + "return {current, redis.call('ttl', KEYS[1])}"
# The same, plus the values of KEYS[2..] (cache keys on the same server).
INCR_WITH_TTL_AND_READ = (
    INCREMENT + "return {current, redis.call('ttl', KEYS[1]), redis.call('mget', unpack(KEYS, 2))}"
)


class RemembersFailures:
    """A limits storage whose check() stays False for a while after any operation failed.

    Flask-Limiter falls back to in-memory limits when an operation raises, then asks check()
    whether to go back. A plain PING can succeed while the key's own node is gone (a Redis
    Cluster with one master down), and then Flask-Limiter switches back, fails again and
    re-checks recursively without end. Remembering the failure bounds that to one retry of
    the real storage per cooldown.
    """

    failed_at = 0.0

    def _remembering(self, operation, *args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except Exception:
            self.failed_at = time.monotonic()
            raise

    def incr(self, key, expiry, amount=1):
        """Increment, remembering a failure."""
        return self._remembering(super().incr, key, expiry, amount)

    def get(self, key):
        """Read a counter, remembering a failure."""
        return self._remembering(super().get, key)

    def get_expiry(self, key):
        """Read a window end, remembering a failure."""
        return self._remembering(super().get_expiry, key)

    def check(self):
        """Healthy only if nothing failed recently and the server answers."""
        if time.monotonic() - self.failed_at < FAILURE_COOLDOWN_SECONDS:
            return False
        return self._remembering(super().check)


class GuardedRedisClusterStorage(RemembersFailures, RedisClusterStorage):
    """The stock Redis Cluster storage with failure memory (`redis+cluster+guarded://`)."""

    STORAGE_SCHEME = ["redis+cluster+guarded"]

    def __init__(self, uri, **options):
        super().__init__(uri.replace("+guarded", "", 1), **options)


def guarded_cluster_uri(redis_url):
    """redis+cluster://... -> redis+cluster+guarded://..."""
    return redis_url.replace("redis+cluster://", "redis+cluster+guarded://", 1)


def one_trip_uri(redis_url):
    """redis://... -> redis+onetrip://... (other schemes, e.g. a cluster, are left alone)."""
    for scheme in ("redis://", "rediss://"):
        if redis_url.startswith(scheme):
            return scheme[:-3] + "+onetrip://" + redis_url[len(scheme) :]
    return redis_url


def _memo():
    """This request's counters ({} outside an app context: nothing is remembered).

    The app context, not the request's: the cache fast lane counts before Flask pushes the
    request context, in an app context the request then shares.
    """
    if not has_app_context():
        return {}
    return request_state.current().rate_limit_counts


def _counted():
    """Counters this request already incremented through count_and_read."""
    if not has_app_context():
        return {}
    return request_state.current().rate_limit_increments


class OneTripRedisStorage(RemembersFailures, RedisStorage):
    """Fixed-window counters in one round trip per limit."""

    STORAGE_SCHEME = ["redis+onetrip", "rediss+onetrip"]

    def __init__(self, uri, **options):
        super().__init__(uri.replace("+onetrip", "", 1), **options)

    def initialize_storage(self, uri):
        """Register our script next to the stock ones."""
        super().initialize_storage(uri)
        connection = self.get_connection()
        self.lua_incr_with_ttl = connection.register_script(INCR_WITH_TTL)
        self.lua_incr_with_ttl_and_read = connection.register_script(INCR_WITH_TTL_AND_READ)

    def incr(self, key, expiry, amount=1):
        """Increment (unless this request already did); remember the count and window end."""
        prefixed = self.prefixed_key(key)
        already = _counted().pop(prefixed, None)
        if already is not None:
            return already
        return self._remembering(self._incr_with_ttl, prefixed, expiry, amount)

    def count_and_read(self, key, expiry, amount, read_keys):
        """Increment a counter and read read_keys (full Redis keys) in one round trip.

        Returns (count, window end, raw values); the count stands for this request's
        increment of key, the window end is when the counter resets (epoch seconds).
        """
        prefixed = self.prefixed_key(key)
        current, ttl, values = self._remembering(
            run_script, self.lua_incr_with_ttl_and_read, [prefixed, *read_keys], [expiry, amount]
        )
        count, window_end = self._remember(prefixed, current, ttl)
        _counted()[prefixed] = count
        return count, window_end, values

    def _incr_with_ttl(self, prefixed, expiry, amount):
        current, ttl = self.lua_incr_with_ttl([prefixed], [expiry, amount])
        return self._remember(prefixed, current, ttl)[0]

    @staticmethod
    def _remember(prefixed, current, ttl):
        """Keep (count, window end) for the rest of the request; returns them."""
        remembered = _memo()[prefixed] = (int(current), time.time() + max(int(ttl), 0))
        return remembered

    def get(self, key):
        """The count this request just produced, else Redis."""
        remembered = _memo().get(self.prefixed_key(key))
        return remembered[0] if remembered else super().get(key)

    def get_expiry(self, key):
        """The window end this request just learned, else Redis."""
        remembered = _memo().get(self.prefixed_key(key))
        return remembered[1] if remembered else super().get_expiry(key)


def run_script(script, keys, args):
    """script(keys, args) on this thread's own connection, without redis-py's command machinery.

    The client's execute path (retry wrapper, option filtering, response callbacks) and the
    pool's checkout (a pid check and a poll for stray data on every checkout) cost more CPU
    here than sending and reading the reply, on the one trip a cache hit makes. A connection
    of this thread's own, with the pool's settings, needs neither: a reply is always read
    whole, or the connection is closed. The reply is the same: EVALSHA has no response
    callback. Errors surface as they would from the client; a Redis that lost its script
    cache gets the script loaded by the client's own path.
    """
    connection = lane_connection(script.registered_client.connection_pool)
    try:
        connection.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
        return connection.read_response()
    except NoScriptError:
        pass  # a whole error reply was read: the connection is still in step
    except ResponseError:
        raise
    except BaseException:
        connection.disconnect()  # a reply left half read must not answer the next command
        raise
    return script(keys, args)


class _LaneConnections(threading.local):
    """Per thread: pool -> a connection with the pool's settings (connected on first use)."""

    def __init__(self):
        # Weak: a pool that is gone (an app that is gone, in tests) takes its socket along.
        self.by_pool = weakref.WeakKeyDictionary()


LANE_CONNECTIONS = _LaneConnections()


def lane_connection(pool):
    """This thread's connection to the pool's server."""
    connection = LANE_CONNECTIONS.by_pool.get(pool)
    if connection is None:
        connection = pool.connection_class(**pool.connection_kwargs)
        LANE_CONNECTIONS.by_pool[pool] = connection
    return connection


def _forget_lane_connections():
    """In a forked child: the parent's sockets are not ours to use."""
    global LANE_CONNECTIONS
    LANE_CONNECTIONS = _LaneConnections()


os.register_at_fork(after_in_child=_forget_lane_connections)
