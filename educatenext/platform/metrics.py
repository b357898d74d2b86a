"""Prometheus metrics (multiprocess-aware: every gunicorn worker is counted)."""

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

HTTP_REQUESTS = Counter(
    "educatenext_http_requests_total", "HTTP requests answered", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "educatenext_http_request_duration_seconds",
    "Time from the first before_request hook to the response",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
CACHE_LOOKUPS = Counter(
    "educatenext_cache_lookups_total", "Response cache lookups", ["area", "result"]
)
CACHE_FILL_WAITS = Counter(
    "educatenext_cache_fill_waits_total",
    "Misses that waited for another worker building the same response: served it, or built",
    ["area", "outcome"],
)
MONGO_COMMANDS = Histogram(
    "educatenext_mongo_command_duration_seconds",
    "MongoDB command round trips as seen by the driver",
    ["command", "collection", "outcome"],
    buckets=LATENCY_BUCKETS,
)
MONGO_POOL_WAIT = Histogram(
    "educatenext_mongo_pool_wait_seconds",
    "Time spent waiting to check a connection out of the pool",
    buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3),
)
MONGO_POOL_FAILURES = Counter(
    "educatenext_mongo_pool_checkout_failures_total", "Failed pool checkouts", ["reason"]
)
RATE_LIMITED = Counter(
    "educatenext_rate_limit_rejections_total", "Requests refused with 429", ["route"]
)


# Labelled children by (area, hit): few, and labels() costs more than the increment.
LOOKUP_CHILDREN = {}


def record_cache_lookup(area, *, hit):
    """Count one response-cache lookup."""
    child = LOOKUP_CHILDREN.get((area, hit))
    if child is None:
        child = CACHE_LOOKUPS.labels(area=area, result="hit" if hit else "miss")
        LOOKUP_CHILDREN[area, hit] = child
    child.inc()
