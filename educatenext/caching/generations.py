"""Per-tenant, per-collection generation tokens: every write replaces them, so entries go stale.

A generation is a random token, not a counter: a key lost to eviction or a Redis restart comes
back as a new token, so an entry stored under an old value can never match again.
"""

import logging
import secrets
import threading
import time

import redis
from flask import current_app, has_app_context

from educatenext.caching.dependencies import partition, split
from educatenext.extensions import cache
from educatenext.platform import library_internals, request_state
from educatenext.platform.mongo.write_events import ANY_PARTITION

log = logging.getLogger(__name__)

PLATFORM = "*"  # writes made without a tenant scope (super-admin paths) stale every tenant
RETRY_INTERVAL_SECONDS = 0.5


def init_app(app):
    """Publish a request's writes before its response leaves (read-your-writes)."""
    app.after_request(publish)


def publish(response):
    """After a request: publish its writes."""
    publish_writes()
    return response


def generation_keys(institution_id, dependencies):
    """The keys whose tokens an entry with these dependencies must match.

    A collection: its tenant's token and the platform's. A partition of one: its own token,
    the token of writes to an unknown partition, and the platform's (see
    educatenext.caching.dependencies).
    """
    keys = []
    for dependency in sorted(dependencies):
        name, part = split(dependency)
        if part is None:
            keys.append(f"gen:{institution_id}:{name}")
        else:
            keys.append(f"gen:{institution_id}:{dependency}")
            keys.append(f"gen:{institution_id}:{partition(name, ANY_PARTITION)}")
        keys.append(f"gen:{PLATFORM}:{name}")
    return keys


def new_token():
    """A generation token that no earlier entry can carry."""
    return "g" + secrets.token_hex(8)  # never all digits: cachelib would parse an int


def note_write(institution_id, collection_name, partitions=None):
    """Remember, for the end of this request (or command), that a collection changed.

    partitions: for a partitioned collection, the partition values the write touched
    (ANY_PARTITION when it may have touched others); None for a collection without partitions.
    """
    if not has_app_context():
        return
    dirty = request_state.current().stale_generations
    if institution_id is None:
        dirty.add(f"gen:{PLATFORM}:{collection_name}")  # every key of the collection has it
        return
    dirty.add(f"gen:{institution_id}:{collection_name}")
    for value in partitions or ():
        dirty.add(f"gen:{institution_id}:{partition(collection_name, value)}")


def note_write_event(event):
    """The WriteEvent subscriber: the written collection's tokens go at the request's end."""
    note_write(event.institution_id, event.collection, event.partitions)


def note_read(collection_name, partition_value=None):
    """Record what a cached view read (its entry depends on it): a collection or a partition."""
    if has_app_context() and (reads := request_state.current().cache_reads) is not None:
        if partition_value is None:
            reads.add(collection_name)
        else:
            reads.add(partition(collection_name, partition_value))


def written_in_request(institution_id, collection_name):
    """Whether this request wrote the collection (its new tokens are published at the end)."""
    dirty = request_state.current().stale_generations if has_app_context() else ()
    return f"gen:{institution_id}:{collection_name}" in dirty or (
        f"gen:{PLATFORM}:{collection_name}" in dirty
    )


def current_tokens(institution_id, collection_name):
    """A tenant's tokens for a collection: as read earlier in this request, or in one trip.

    None when Redis fails. Kept for the rest of the request, so what it reads after this is
    checked against tokens taken before it (see educatenext.caching.value_memos).
    """
    keys = generation_keys(institution_id, {collection_name})
    try:
        tokens = fetch_tokens(keys, request_state.current().generation_tokens)
    except redis.RedisError:
        return None
    if tokens is not None:
        remember_tokens(keys, tokens)
    return tokens


def fetch_tokens(keys, known):
    """Tokens for keys: from known (values read earlier), the rest in one trip, creating any
    that are missing; None when they cannot be created. May raise RedisError."""
    fetched = {key: known[key] for key in keys if key in known}
    missing = [key for key in keys if key not in fetched]
    if missing:
        fetched.update(zip(missing, cache.get_many(*missing), strict=True))
    return read_tokens(keys, fetched)


def remember_tokens(keys, tokens):
    """Keep tokens read in this request (before its reads of MongoDB) for later checks."""
    request_state.current().generation_tokens.update(zip(keys, tokens, strict=True))


def publish_writes():
    """Replace the tokens of every collection written in this request; never raises."""
    state = request_state.current()
    dirty, state.stale_generations = state.stale_generations, set()
    if not dirty or current_app.config["CACHE_TYPE"] == "NullCache":
        return
    backend = cache.cache
    try:
        _replace(backend, dirty)
    except redis.RedisError:
        PENDING.add(backend, dirty)
        log.error("cache invalidation failed for %d collections; retrying", len(dirty))


def _replace(backend, keys):
    """One pipelined SET per key (no TTL: generations outlive the entries that use them)."""
    prefix = library_internals.cache_prefix(backend)
    with library_internals.cache_client(backend).pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.set(prefix + key, new_token())
        pipe.execute()


def read_tokens(keys, fetched):
    """Tokens for keys, creating missing ones; None when Redis fails (the caller misses)."""
    tokens = dict(fetched)
    missing = [key for key in keys if tokens.get(key) is None]
    if missing:
        backend = cache.cache
        prefix = library_internals.cache_prefix(backend)
        try:
            with library_internals.cache_client(backend).pipeline(transaction=False) as pipe:
                for key in missing:
                    pipe.set(prefix + key, new_token(), nx=True)
                for key in missing:
                    pipe.get(prefix + key)
                replies = pipe.execute()[len(missing) :]
        except redis.RedisError:
            return None
        tokens.update({key: _text(value) for key, value in zip(missing, replies, strict=True)})
    return tuple(_text(tokens[key]) for key in keys)


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


class PendingInvalidations:
    """Invalidations that failed; retried in the background until Redis takes them.

    While any are pending this process serves nothing from the cache, and a stored entry in
    another process is bounded by the entry TTL (the backstop).
    """

    def __init__(self):
        self.keys = set()
        self.backend = None
        self.lock = threading.Lock()
        self.thread = None

    def __bool__(self):
        return bool(self.keys)

    def add(self, backend, keys):
        """Queue keys and make sure a retry thread runs."""
        with self.lock:
            self.keys.update(keys)
            self.backend = backend
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._retry, daemon=True)
                self.thread.start()

    def flush(self):
        """Try once to publish everything pending; True when nothing is left."""
        with self.lock:
            keys, backend = set(self.keys), self.backend
        if not keys:
            return True
        try:
            _replace(backend, keys)
        except Exception:  # any client error: the retry loop must not die
            return False
        with self.lock:
            self.keys -= keys
            return not self.keys

    def _retry(self):
        while not self.flush():
            time.sleep(RETRY_INTERVAL_SECONDS)
        log.warning("pending cache invalidations published")


PENDING = PendingInvalidations()
