"""/metrics: Prometheus text format, for scrapers only (token or loopback, never public)."""

import hmac
import ipaddress
import os

from flask import Response, current_app, request
from flask.views import MethodView
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from educatenext.auth.permissions import public
from educatenext.extensions import Blueprint, limiter
from educatenext.platform.http.errors import APIError

blp = Blueprint("metrics", __name__, description="Prometheus metrics")


class CacheHitRatio:
    """hits / (hits + misses) per cache area, computed at scrape time from the counters."""

    def __init__(self, source):
        self.source = source

    def collect(self):
        """Yield one gauge family."""
        totals = {}
        for family in self.source.collect():
            if family.name != "educatenext_cache_lookups":
                continue
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    area = sample.labels["area"]
                    hits, lookups = totals.get(area, (0.0, 0.0))
                    hit = sample.value if sample.labels["result"] == "hit" else 0.0
                    totals[area] = (hits + hit, lookups + sample.value)
        gauge = GaugeMetricFamily(
            "educatenext_cache_hit_ratio", "Response cache hit ratio per area", labels=["area"]
        )
        for area, (hits, lookups) in sorted(totals.items()):
            gauge.add_metric([area], hits / lookups if lookups else 0.0)
        yield gauge


def scrape_registry():
    """All workers' metrics in multiprocess mode, this process's otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    combined = CollectorRegistry()
    combined.register(_Forward(registry))
    combined.register(CacheHitRatio(registry))
    return combined


class _Forward:
    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        yield from self.registry.collect()


def authorised():
    """A configured bearer token, or (without one) a loopback caller outside production."""
    token = current_app.config["METRICS_TOKEN"]
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(offered.encode(), token.encode())
    if current_app.config["ENV_NAME"] == "production":
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@blp.route("/metrics")
class Metrics(MethodView):
    """Prometheus scrape endpoint."""

    decorators = [limiter.exempt]  # scrapers authenticate by token; refusals cost nothing

    @public
    def get(self):
        """Metrics in the Prometheus text format (bearer METRICS_TOKEN, or loopback in dev)."""
        if not current_app.config["METRICS_ENABLED"]:
            raise APIError(404, "NOT_FOUND", "Not found.")
        if not authorised():
            raise APIError(403, "FORBIDDEN", "Metrics need the metrics token.")
        return Response(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
