"""What the modules handling one request share, as one typed object instead of loose g keys.

It lives on flask.g, so it belongs to the app context: the cache fast lane fills it before
Flask pushes the request context, and the normal path then finds what the lane fetched.
"""

from dataclasses import dataclass, field

from flask import g, has_app_context


@dataclass(slots=True)
class RequestState:
    """One request's shared state; each field says which module writes it."""

    # requestlog: the id echoed in X-Request-ID, logs and error envelopes; when it started.
    request_id: str | None = None
    started_at: float | None = None
    # metrics: when the first before_request hook ran.
    metrics_started_at: float | None = None
    # auth / ratelimits / fastlane: the access token's claims, verified once per request,
    # and the caller they resolve to (None until authenticated).
    verified_claims: dict | None = None
    identity: object = None
    # library_internals.RecordingLimiter: every rate limit evaluated, by its key.
    evaluated_limits: dict = field(default_factory=dict)
    # limiter_storage: (count, window end) per counter this request learned, and the counters
    # the fast lane already incremented (the normal path must not count them again).
    rate_limit_counts: dict = field(default_factory=dict)
    rate_limit_increments: dict = field(default_factory=dict)
    # idempotency.stamps: the keyed request whose inserts carry requestKey stamps.
    idempotency_record: str | None = None
    idempotency_inserts: int = 0
    idempotency_resumed: bool = False
    # caching.responses: entry keys worked out, and Redis values fetched with the auth
    # context in the first trip (None once the cached view has taken them).
    cache_entry_keys: dict = field(default_factory=dict)
    cache_prefetched: dict | None = None
    # caching.generations: the collections a cached view read while it was built (None when
    # no view is being cached), the tokens read so far, and the generation keys this
    # request's writes make stale (replaced after the response).
    cache_reads: set | None = None
    generation_tokens: dict = field(default_factory=dict)
    stale_generations: set = field(default_factory=set)


def current():
    """This app context's state, created on first use."""
    state = g.get("request_state")
    if state is None:
        state = g.request_state = RequestState()
    return state


def current_or_none():
    """The state when there is an app context (CLI code runs without one), else None."""
    return current() if has_app_context() else None


def existing():
    """The state if this app context made one, else None (never creates it: for logging)."""
    return g.get("request_state") if has_app_context() else None
