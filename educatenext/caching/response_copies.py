"""This worker's copies of cached responses, so a hit need not fetch the body from Redis.

A copy is trusted no more than the entry it copies: it is served only after the checks a
Redis entry passes (the caller's fingerprint and the generation tokens, read from Redis in
the hit's round trip), and never after the moment Redis drops the entry (its TTL). What the
copy saves is the body's trip: the entry's bytes out of Redis, across the socket and through
the unpickler, on every hit. Bounded by the bodies' total size; the least recently used copy
goes first.
"""

import threading
import time
from collections import OrderedDict

from flask import current_app

# What a copy costs beyond its body and headers (the Entry, its tuples, the dict slot).
OVERHEAD_BYTES = 512


def init_app(app):
    """One store per app (the worker's), sized by CACHE_LOCAL_COPIES_MAX_BYTES (0: off)."""
    app.extensions["cache_local_copies"] = ResponseCopies(
        app.config["CACHE_LOCAL_COPIES_MAX_BYTES"]
    )


def store():
    """This app's local copies."""
    return current_app.extensions["cache_local_copies"]


def size_of(entry):
    """Bytes a copy of entry is counted for."""
    headers = sum(len(name) + len(value) for name, value in entry.headers)
    return len(entry.body) + headers + OVERHEAD_BYTES


class ResponseCopies:
    """Entries by key, with their expiry, bounded by total size (LRU)."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.entries = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()  # gthread workers share the store

    def get(self, key):
        """The live copy under key, or None (an expired copy is dropped)."""
        if not self.entries:
            return None
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry.expires_at <= time.time():
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        """Keep a copy of a current entry (not one that is expired or larger than the store)."""
        size = size_of(entry)
        if size > self.max_bytes or entry.expires_at <= time.time():
            return
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = entry
            self.size += size
            while self.size > self.max_bytes:
                self._drop(next(iter(self.entries)))

    def discard(self, key):
        """Forget the copy under key (it failed a check)."""
        with self.lock:
            if key in self.entries:
                self._drop(key)

    def _drop(self, key):
        self.size -= size_of(self.entries.pop(key))
