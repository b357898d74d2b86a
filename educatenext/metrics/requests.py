"""Per-request HTTP metrics: a timer started by the first hook, counted by the last."""

import time

from flask import request

from educatenext.platform import request_state
from educatenext.platform.metrics import HTTP_LATENCY, HTTP_REQUESTS

# (route, method, status) -> the request counter's and latency histogram's children: looking
# them up costs a lock and label checks per request.
LABELLED = {}


def observe_request(response):
    """Count and time every routed request (the route template keeps label cardinality low)."""
    observe(response.status_code)
    return response


def observe(status, req=request):
    """Count and time a request that ended with status."""
    route = req.url_rule.rule if req.url_rule is not None else "unmatched"
    observe_route(status, route, req.method)


def observe_route(status, route, method):
    """Count and time a request to a route (its rule's text) that ended with status."""
    started = request_state.current().metrics_started_at
    if started is None:
        return
    labels = (route, method, status)
    children = LABELLED.get(labels)
    if children is None:  # few: route templates x methods x statuses
        text = (route, method, str(status))
        children = LABELLED[labels] = (HTTP_REQUESTS.labels(*text), HTTP_LATENCY.labels(*text))
    requests, latency = children
    requests.inc()
    latency.observe(time.perf_counter() - started)


def start_timer():
    """Mark the request's start (once: the cache fast lane may have marked it already)."""
    state = request_state.current()
    if state.metrics_started_at is None:
        state.metrics_started_at = time.perf_counter()


def init_app(app):
    """Time requests from the first hook to the last."""
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request(observe_request)
