"""Per-worker memos of small values read from MongoDB, valid while their generation holds.

Some values are read by many different responses and cost a MongoDB round trip each time (a
classroom's name on every page of students). A memo keeps them in the worker under the
tenant's generation tokens of the collection they come from, read BEFORE the value is loaded,
as the response cache does: a write that commits meanwhile replaces the tokens, so a value is
never kept under tokens newer than itself. The tokens come from what this request already
fetched or from one Redis round trip. The memo is bypassed when Redis fails, while an
invalidation of this worker is pending, and in a request that wrote the collection itself
(its new tokens are not published yet). Entries also expire after CACHE_RESPONSE_TTL_SECONDS,
which bounds what another worker's failed invalidation can leave behind.
"""

import time

from flask import current_app

from educatenext.caching import generations


def init_app(app):
    """One set of memos per app (the worker's), each bounded by CACHE_LOCAL_MEMO_MAX_ENTRIES."""
    app.extensions["cache_local_memos"] = {}


def memo(collection_name):
    """This app's memo of values read from a collection."""
    memos = current_app.extensions["cache_local_memos"]
    if collection_name not in memos:
        memos[collection_name] = ValueMemo(
            collection_name, current_app.config["CACHE_LOCAL_MEMO_MAX_ENTRIES"]
        )
    return memos[collection_name]


class ValueMemo:
    """Values by (institution, key) with the generation tokens they were read under."""

    def __init__(self, collection_name, max_entries):
        self.collection_name = collection_name
        self.max_entries = max_entries
        self.entries = {}

    def lookup(self, institution_id, keys, load):
        """{key: value} for keys: current entries, the rest from one load(missing keys) call.

        load returns {key: value} for the keys it found; a key it did not find is remembered
        as absent too (ids are never reused).
        """
        # What read this depends on the collection, served from here or not (cached responses).
        generations.note_read(self.collection_name)
        tokens = self._tokens(institution_id)
        if tokens is None:
            return load(keys)
        now = time.monotonic()
        found, missing = {}, []
        for key in keys:
            entry = self.entries.get((institution_id, key))
            if entry is not None and entry[0] == tokens and entry[2] > now:
                if entry[1] is not None:
                    found[key] = entry[1]
            else:
                missing.append(key)
        if missing:
            loaded = load(missing)
            found.update(loaded)
            if len(self.entries) + len(missing) > self.max_entries:
                self.entries.clear()  # bounded; simpler than LRU for values this cheap to reload
            expires = now + current_app.config["CACHE_RESPONSE_TTL_SECONDS"]
            for key in missing:
                self.entries[institution_id, key] = (tokens, loaded.get(key), expires)
        return found

    def _tokens(self, institution_id):
        """The tokens to check entries against, or None when the memo must be bypassed."""
        if self.max_entries <= 0 or current_app.config["CACHE_TYPE"] == "NullCache":
            return None
        if generations.PENDING:
            return None
        if generations.written_in_request(institution_id, self.collection_name):
            return None
        return generations.current_tokens(institution_id, self.collection_name)
