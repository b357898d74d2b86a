"""One REDIS_URL, three topologies: a single server, Sentinel, or a Redis Cluster.

- redis://host:6379/0 (or rediss://)            single server
- redis+sentinel://host:26379,host:26380/mymaster  Sentinel-managed primary
- redis+cluster://host:7000,host:7001,host:7002    Redis Cluster

The response cache and session cache (Flask-Caching), the generation tokens and the rate
limiter (limits) all follow the same URL.
"""

from urllib.parse import urlsplit

from educatenext.platform.redis.breaker import connection_class_for
from educatenext.platform.redis.limiter_storage import guarded_cluster_uri, one_trip_uri


def _nodes(url):
    netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
    return [node.strip() for node in netloc.split(",") if node.strip()]


def topology(url):
    """'single', 'sentinel' or 'cluster'."""
    scheme = urlsplit(url).scheme
    if scheme.endswith("+cluster"):
        return "cluster"
    if scheme.endswith("+sentinel"):
        return "sentinel"
    return "single"


def library_settings(url, timeout):
    """Flask-Caching and Flask-Limiter settings for a REDIS_URL (None: no Redis)."""
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    if not url:
        return {
            "CACHE_TYPE": "NullCache",
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_STORAGE_OPTIONS": {},
        }
    kind = topology(url)
    settings = {"CACHE_OPTIONS": options, "RATELIMIT_STORAGE_OPTIONS": options}
    if kind == "cluster":
        settings.update(
            CACHE_TYPE="educatenext.platform.library_internals.ClusterCache",
            CACHE_REDIS_CLUSTER=",".join(_nodes(url)),
            CACHE_REDIS_URL=None,
            # Failure memory keeps the limiter's fallback from flapping (limiter_storage).
            RATELIMIT_STORAGE_URI=guarded_cluster_uri(url),
        )
    elif kind == "sentinel":
        master = urlsplit(url).path.strip("/").split("/")[0]
        settings.update(
            CACHE_TYPE="RedisSentinelCache",
            CACHE_REDIS_SENTINELS=[tuple(n.rsplit(":", 1)) for n in _nodes(url)],
            CACHE_REDIS_SENTINEL_MASTER=master,
            CACHE_REDIS_URL=None,
            RATELIMIT_STORAGE_URI=url,
        )
    else:
        # Fail fast after a timeout (breaker); cluster and Sentinel clients build their
        # own connections and keep plain timeouts.
        fail_fast = {**options, "connection_class": connection_class_for(url)}
        settings.update(
            CACHE_OPTIONS=fail_fast,
            RATELIMIT_STORAGE_OPTIONS=fail_fast,
            CACHE_TYPE="RedisCache",
            CACHE_REDIS_URL=url,
            # One round trip per limit (educatenext.platform.redis.limiter_storage).
            RATELIMIT_STORAGE_URI=one_trip_uri(url),
        )
    return settings
