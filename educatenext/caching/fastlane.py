"""Cache hits in one Redis round trip, before Flask's hooks, Flask-Limiter and the views run.

The normal path of a hit costs Flask-Limiter's evaluation (two passes), authentication, the
view's decorators and two Redis round trips. The app's dispatch (educatenext.API) offers every
request here first; the same checks are done with a single round trip
(ratestorage.count_and_read):

1. the caller's counter of the endpoint's rate limit is incremented with the same storage, key
   and window Flask-Limiter uses; the limit is learned from Flask-Limiter's own evaluation of
   an earlier request to that endpoint in this process (LimitPlan);
2. the auth context (user and session), the cached response and its generation tokens are
   read in the same trip; the token, the session, the role and the entry are checked exactly
   as on the normal path (the same functions).

A hit then gets the after_request work of any response (the same hooks, in Flask's order:
request id, access line, metrics, security headers), except Flask-Limiter's header hook: its
X-RateLimit-* headers are built here from its own RequestLimit, without looking the limit up
again. The before_request hooks a hit skips are those it does not need (body checks on a GET
without a body, preflights, and the limit and permission checks the fast lane does itself).

Whenever anything is missing or off (no plan yet, limit reached, auth context not cached,
role not allowed, entry missing or stale, Redis failing) the fast lane steps aside and the
request continues down the normal path, which reuses what was fetched: the counter is not
incremented twice (the storage remembers this request's count) and no key is read twice.
"""

import time
from dataclasses import dataclass

import jwt
import redis
from flask import current_app, g, request
from flask_limiter import HeaderNames, RequestLimit
from limits.strategies import FixedWindowRateLimiter
from werkzeug.http import http_date

from educatenext import requestlog
from educatenext.auth import identity as auth
from educatenext.auth.permissions import declared_permission
from educatenext.auth.tokens import decode_access_token
from educatenext.caching import responses
from educatenext.extensions import cache, limiter
from educatenext.metrics import routes as metrics_routes
from educatenext.ratelimits import caller_key
from educatenext.ratestorage import OneTripRedisStorage
from educatenext.values import parse_object_id


@dataclass(frozen=True)
class LimitPlan:
    """One Flask-Limiter limit keyed by the caller: its item and its key around the caller."""

    item: object  # limits.RateLimitItem
    before: tuple
    after: tuple
    shared: bool

    def args_for(self, caller):
        """Flask-Limiter's request arguments for this caller."""
        return [*self.before, caller, *self.after]


def init_app(app):
    """Keep the learned limit plans; dispatch (educatenext.API) calls dispatch_hit."""
    app.extensions["cache_fast_lane_plans"] = {}
    app.after_request(learn_limit_plan)


def dispatch_hit(app):
    """A finished response for a current cached GET, or None to dispatch normally."""
    if request.method != "GET" or request.content_length or "Transfer-Encoding" in request.headers:
        return None  # a body on a GET is for the request guards to judge
    # What the first before_request hooks would do; they do nothing when they run after this.
    metrics_routes.start_timer()
    requestlog.start_request()
    hit = serve_hit()
    if hit is None:
        return None
    response, request_limit = hit
    # Flask-Limiter's header hook would look up the limit and its window again.
    response.headers.extend(rate_limit_headers(request_limit))
    for hook in reversed(app.after_request_funcs.get(None, ())):
        if not _is_limiter_header_hook(hook):
            response = hook(response)
    return response


def rate_limit_headers(request_limit):
    """Flask-Limiter's X-RateLimit-* headers (same names and values) for a counted limit."""
    names = limiter._header_mapping
    if not (limiter._headers_enabled and names):
        return ()
    reset_at = request_limit.reset_at  # from the count just made: no Redis trip
    seconds = int(reset_at - time.time())
    return (
        (names[HeaderNames.LIMIT], str(request_limit.limit.amount)),
        (names[HeaderNames.REMAINING], str(request_limit.remaining)),
        (names[HeaderNames.RESET], str(reset_at)),
        (names[HeaderNames.RETRY_AFTER],
         http_date(reset_at) if limiter._retry_after == "http-date" else str(seconds)),
    )  # fmt: skip


def _is_limiter_header_hook(hook):
    """Flask-Limiter's after_request hook (a partial of its private method)."""
    return getattr(hook, "args", ())[:1] == (limiter,) and "inject_headers" in getattr(
        getattr(hook, "func", None), "__name__", ""
    )


def plans():
    """This app's learned limit plans by endpoint (None: the endpoint is not replayable)."""
    return current_app.extensions["cache_fast_lane_plans"]


def usable():
    """Only with our one-trip Redis storage, a fixed window and a healthy limiter."""
    return (
        limiter.enabled
        and not limiter._storage_dead
        and isinstance(limiter._storage, OneTripRedisStorage)
        and isinstance(limiter.limiter, FixedWindowRateLimiter)
    )


def serve_hit():
    """(response, the limit counted) for a current cached GET, or None to go the normal way."""
    if request.method != "GET":
        return None
    plan = plans().get(request.endpoint)
    policy = responses.policy_for_request()
    if plan is None or policy is None or not responses.enabled() or not usable():
        return None
    claims = _claims()
    if claims is None or not claims.get("inst"):
        return None
    user_id, session_id = parse_object_id(claims["sub"]), parse_object_id(claims.get("sid"))
    if user_id is None or session_id is None:
        return None
    auth_keys = [auth.user_cache_key(user_id), auth.session_cache_key(session_id)]
    keys = [*auth_keys, *responses.prefetch_keys(claims, policy)]
    args = plan.args_for(caller_key())
    backend = cache.cache
    prefix = backend._get_prefix()
    try:
        count, raw = limiter.storage.count_and_read(
            plan.item.key_for(*args), plan.item.get_expiry(), 1, [prefix + key for key in keys]
        )
    except redis.RedisError:
        return None
    values = dict(zip(keys, map(backend.serializer.loads, raw), strict=True))
    responses.remember_prefetched(values)
    if count > plan.item.amount:
        return None  # Flask-Limiter answers 429 (with its callbacks), reusing this count
    context = auth.context_from_parts(values[auth_keys[0]], values[auth_keys[1]], user_id)
    if context is None:
        return None
    identity = auth.identity_from_context(context, session_id)
    declared = declared_permission(request.endpoint, "GET")
    if declared is None or declared.public or identity.role not in declared.roles:
        return None
    try:
        response = responses.hit_response(policy, identity, values)
    except redis.RedisError:
        return None
    if response is None:
        return None
    g.identity = identity
    return response, RequestLimit(limiter, plan.item, args, False, plan.shared)


def _claims():
    """The verified token claims, or None (the normal path then answers 401)."""
    token = auth.bearer_token()
    if token is None:
        return None
    try:
        claims = decode_access_token(token)
    except jwt.InvalidTokenError:
        return None
    g.verified_claims = claims
    return claims


def learn_limit_plan(response):
    """After a normal-path GET of a cached endpoint, keep the limit Flask-Limiter checked."""
    endpoint = request.endpoint
    if (
        request.method != "GET"
        or endpoint in plans()
        or response.status_code != 200
        or responses.policy_for_request() is None
        or not usable()
    ):
        return response
    evaluated = list(g.get("evaluated_limits", {}).values())
    plan = None
    if len(evaluated) == 1 and not limiter.context.conditional_deductions:
        plan = _plan_for(evaluated[0], caller_key())
    plans()[endpoint] = plan
    return response


def _plan_for(request_limit, caller):
    """A plan when the limit is keyed by the caller exactly once, else None (not replayable)."""
    args = list(request_limit.request_args)
    if args.count(caller) != 1 or request_limit.breached:
        return None
    position = args.index(caller)
    return LimitPlan(
        item=request_limit.limit,
        before=tuple(args[:position]),
        after=tuple(args[position + 1 :]),
        shared=request_limit.shared,
    )
