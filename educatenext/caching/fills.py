"""One fill per missing entry: concurrent misses on one key wait for the first to store it.

At a cold start, or right after a write stales a popular entry, many callers miss the same key
at once; without this each of them runs the same MongoDB queries and they queue behind one
another. The first miss takes a short lease (SET NX PX) and builds the response; the others
poll Redis for the entry it stores and serve it if it passes the usual checks (fingerprint and
current generation tokens), so a waiter never gets anything a hit would not give it. They stop
waiting and build the response themselves when the lease goes without a usable entry, when
their wait runs out, or when Redis fails: the lease only saves work, it is never needed for
correctness.
"""

import logging
import secrets
import time

import redis
from flask import current_app

from educatenext.extensions import cache
from educatenext.platform import library_internals

log = logging.getLogger(__name__)

FIRST_POLL_SECONDS = 0.005
LONGEST_POLL_SECONDS = 0.05
# Compare-and-delete: a holder whose lease ran out must not end a later holder's lease.
RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def wait_seconds():
    """How long a miss waits for another worker's fill (0: never waits)."""
    return current_app.config["CACHE_FILL_WAIT_SECONDS"]


def lease_key(entry_key):
    """The Redis key (prefixed) of an entry's fill lease."""
    return library_internals.cache_prefix(cache.cache) + "fill:" + entry_key


def claim(entry_key):
    """A lease token when this caller is to build the entry, else None (someone else is).

    A Redis error gives a token too: the caller builds the response as if alone.
    """
    token = secrets.token_hex(8)
    # The lease outlives the longest wait, so waiters give up before a second fill starts.
    lease_ms = int(wait_seconds() * 2000) + 1000
    try:
        client = library_internals.cache_client(cache.cache)
        claimed = client.set(lease_key(entry_key), token, nx=True, px=lease_ms)
    except redis.RedisError:
        return token
    return token if claimed else None


def release(entry_key, token):
    """End this caller's lease (after storing, or deciding not to store); never raises."""
    try:
        client = library_internals.cache_client(cache.cache)
        client.eval(RELEASE_SCRIPT, 1, lease_key(entry_key), token)
    except redis.RedisError:
        log.warning("fill lease not released; it expires on its own")


def await_entry(entry_key, usable):
    """The entry another caller stores, once usable(entry) holds; None to build it ourselves.

    Polls the entry and the lease in one round trip, with growing intervals. While the lease
    is held an unusable entry is the stale one being replaced, so the wait goes on.
    """
    backend = cache.cache
    deadline = time.monotonic() + wait_seconds()
    interval = FIRST_POLL_SECONDS
    rejected = None  # the last stored value found unusable (the stale entry this fill replaces)
    while time.monotonic() + interval < deadline:
        time.sleep(interval)
        interval = min(interval * 2, LONGEST_POLL_SECONDS)
        try:
            with library_internals.cache_client(backend).pipeline(transaction=False) as pipe:
                pipe.get(library_internals.cache_prefix(backend) + entry_key)
                pipe.exists(lease_key(entry_key))
                stored, leased = pipe.execute()
        except redis.RedisError:
            return None
        if stored is not None and stored != rejected:
            entry = backend.serializer.loads(stored)
            if usable(entry):
                return entry
            rejected = stored
        if not leased:
            # The fill ended without a usable entry: it failed, was not a 200, or was read
            # before a write this caller saw. Build our own.
            return None
    return None
