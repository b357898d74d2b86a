"""The one module that reads private attributes of Flask-Limiter, Flask-Caching, pymongo and
marshmallow.

The fast lane, the generation tokens, the fill leases and the health check need what these
libraries keep private: the cache's Redis client and key prefix, the limiter's storage,
whether it is dead, its header settings, and each limit it evaluated; the data layer needs
the filter and document of a pymongo bulk operation; the compiled response dump needs a
schema's dump hooks and whether a field reads its attribute. Everything else
calls the functions and classes here. VERIFIED names the versions these reads were checked
against; tests/platform/test_library_internals.py fails with this module's name when an
installed version differs or an attribute is gone.
"""

import flask_limiter
from flask_caching.backends.rediscache import RedisClusterCache
from marshmallow.decorators import POST_DUMP, PRE_DUMP

from educatenext.platform import request_state

VERIFIED = {"Flask-Limiter": "4.1.1", "Flask-Caching": "2.5.1", "pymongo": "4.20.1",
            "marshmallow": "4.4.0"}  # fmt: skip


# Flask-Caching: its backend object is `cache.cache`.


def cache_client(backend):
    """The Redis client a cache backend writes with (its topology: server, Sentinel or cluster)."""
    return backend._write_client


def cache_prefix(backend):
    """The prefix a cache backend puts before every key it stores."""
    return backend._get_prefix()


class ClusterCache(RedisClusterCache):
    """RedisClusterCache with get_many split per slot (one pipelined round trip per node).

    A plain MGET must name keys of one hash slot; a request's keys (auth context, response
    entry, generation tokens) live in several.
    """

    def get_many(self, *keys):
        """Values for keys, in order (None when missing)."""
        prefix = self._get_prefix()
        values = self._read_client.mget_nonatomic([prefix + key for key in keys])
        return [self.serializer.loads(value) for value in values]


# Flask-Limiter.


class RecordingLimiter(flask_limiter.Limiter):
    """Flask-Limiter, also keeping every limit it evaluated in this request (RequestState).

    It evaluates twice per request (before_request, then the view's decorator) and keeps only
    the last pass in its context; the cache fast lane needs both to replay a route's limits.
    """

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        """Check as Flask-Limiter does, then record what was checked."""
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)
        evaluated = request_state.current().evaluated_limits
        for request_limit in self.context.view_rate_limits:
            evaluated[request_limit.key] = request_limit


def live_storage(limiter):
    """The limiter's storage while it is in use, None after it fell back to memory."""
    return None if limiter._storage_dead else limiter._storage


def revive_storage(limiter):
    """Let the limiter use its storage again (after a test stopped and restarted Redis)."""
    limiter._storage_dead = False


def header_settings(limiter):
    """(header names by HeaderNames, or None when headers are off; Retry-After as an HTTP date)."""
    names = limiter._header_mapping if limiter._headers_enabled else None
    return names or None, limiter._retry_after == "http-date"


def forget_storage_options(limiter):
    """Drop storage options an earlier app merged into the shared limiter (several apps per
    process: tests, the CLI), so one topology's options never leak into the next."""
    limiter._storage_options.clear()


# pymongo.


def bulk_operation_parts(operation):
    """(filter, change) of a bulk operation: (document, None) for an insert, (filter, None)
    for a delete; pymongo keeps both private on its operation classes."""
    document = getattr(operation, "_doc", None)
    selector = getattr(operation, "_filter", None)
    return (document or {}, None) if selector is None else (selector, document)


# marshmallow.


def dump_hooks(schema):
    """([(method name, pass_collection)] of pre_dump hooks, the same of post_dump hooks)."""
    hooks = schema._hooks
    return (
        [(name, many) for name, many, _ in hooks[PRE_DUMP]],
        [(name, many) for name, many, _ in hooks[POST_DUMP]],
    )


def reads_attribute(field):
    """Whether serialize reads the field's attribute off the object (Function, Method don't)."""
    return field._CHECK_ATTRIBUTE
