"""Cache hits in one Redis round trip, before Flask builds a request context.

The normal path of a hit costs a request context, Flask-Limiter's evaluation (two passes),
authentication, the view's decorators, a Response object, the after_request hooks and two
Redis round trips. The app's WSGI entry (educatenext.API) offers every request here first,
in an app context the normal path then shares; the same checks are done on the request
(not pushed) with a single round trip (limiter_storage.count_and_read):

1. the caller's counter of the endpoint's rate limit is incremented with the same storage, key
   and window Flask-Limiter uses; the limit is learned from Flask-Limiter's own evaluation of
   an earlier request to that endpoint in this process (LimitPlan);
2. the auth context (user and session), the cached response and its generation tokens are
   read in the same trip (the response only when this worker holds no copy of it:
   response_copies); the token, the session, the role and the entry are checked exactly as on
   the normal path (the same functions).

What depends only on the request (its route, the verified token, the keys, the permission,
the security and CORS headers) is worked out once per distinct request by the same functions
and kept in the process (HitPlan), so a repeated read does that work once; each use checks
that the token has not expired, the day (which entry keys name) has not changed, and the
endpoint's learned limit and dependencies are those the plan was made from.

A hit then gets what the after_request hooks give any response, from the same functions and
in Flask's order: Flask-Limiter's X-RateLimit-* headers (built from the count just made),
the security and CORS headers, the metrics, the request id and the access line. The
before_request hooks it skips are those it does not need (body checks on a GET without a
body, preflights, and the limit and permission checks it does itself). The lane knows each
hook it replays or skips: with any other hook registered it stays off, rather than skip it.

Whenever anything is missing or off (no plan yet, limit reached, auth context not cached,
role not allowed, entry missing or stale, Redis failing) the fast lane steps aside and the
request continues down the normal path, which reuses what was fetched (kept in g): the counter
is not incremented twice (the storage remembers this request's count) and no key is read twice.
"""

import functools
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import jwt
import redis
from flask import current_app, request
from flask_limiter import HeaderNames
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES, http_date

from educatenext.auth import identity as auth
from educatenext.auth import permissions
from educatenext.auth.ratelimits import caller_key
from educatenext.auth.roles import canonical_role
from educatenext.auth.tokens import LEEWAY_SECONDS, decode_access_token
from educatenext.caching import dependencies, generations, response_copies, responses
from educatenext.extensions import cache, limiter
from educatenext.metrics import requests as request_metrics
from educatenext.platform import library_internals, request_state
from educatenext.platform.http import guards, requestlog
from educatenext.platform.http import headers as http_headers
from educatenext.platform.http.pagination import LEGACY_ALIAS
from educatenext.platform.metrics import record_cache_lookup
from educatenext.platform.redis.limiter_storage import OneTripRedisStorage
from educatenext.platform.values import parse_object_id, today

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class HitPlan:
    """What a hit of one exact request works out before its Redis trip, kept per process.

    Everything here is a function of the request (path, query, host, token, origin), of what
    the process learned (the endpoint's limit and dependencies) and of the day; plan_is_current
    checks the last two and the token's expiry on every use.
    """

    endpoint: str
    route: str  # the rule's text, for the metrics
    area: str
    limit: LimitPlan
    limit_key: str
    roles: frozenset
    user_id: object
    session_id: object
    scope: str  # the entry's visibility scope for the caller the token names
    entry_key: str
    keys_with_entry: tuple  # the trip's reads when this worker holds no copy of the entry
    keys_without_entry: tuple
    redis_keys_with_entry: tuple  # the same with the cache's key prefix
    redis_keys_without_entry: tuple
    learned: tuple  # the endpoint's learned dependencies the keys were made from
    resolved: frozenset  # those dependencies for this request
    headers: tuple  # the security and CORS headers every response to the request carries
    valid_until: float  # the token's expiry, or the end of the day its entry key names


def init_app(app):
    """Keep the learned limit plans; the WSGI entry (educatenext.API) calls serve."""
    app.extensions["cache_fast_lane_plans"] = {}
    app.extensions["cache_fast_lane_hooks"] = None  # decided at the first request
    app.extensions["cache_fast_lane_routes"] = {}
    app.extensions["cache_fast_lane_hit_plans"] = {}
    app.after_request(learn_limit_plan)


def serve(app, environ):
    """(status, headers, body) for a current cached GET, or None to dispatch normally.

    Call in an app context that the normal path then shares.
    """
    if environ.get("REQUEST_METHOD") != "GET" or not hooks_known(app):
        return None
    try:
        return _serve(app, environ)
    except Exception:  # a bug here must not cost the request: the normal path answers it
        log.exception("cache fast lane failed; the request takes the normal path")
        return None


def _serve(app, environ):
    if environ.get("CONTENT_LENGTH", "") not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ:
        return None  # a body on a GET is for the request guards to judge
    # What the first before_request hooks would do; they do nothing when they run after this.
    request_metrics.start_timer()
    requestlog.start_request_for(environ)
    if not responses.enabled() or not usable():
        return None  # no plan work while the cache is off or the limiter has fallen back
    plan = hit_plan(app, environ)
    if plan is None:
        return None
    hit = serve_hit(plan, environ)
    if hit is None:
        return None
    entry, limit_headers = hit
    # Where a Response built from the entry has them: Content-Length as the body is set.
    headers = [*entry.headers, ("Content-Length", str(len(entry.body))), ("X-Cache", "HIT")]
    # Then the after_request hooks' work, in Flask's order (the reverse of registration).
    headers += limit_headers
    headers += plan.headers
    request_metrics.observe_route(entry.status, plan.route, "GET")
    # The access line (when logged) names the request: only then is a request object built.
    logged = requestlog.access_log.isEnabledFor(logging.INFO)
    req = app.request_class(environ) if logged else None
    headers.append(("X-Request-ID", requestlog.finished_request_id(entry.status, req)))
    return f"{entry.status} {HTTP_STATUS_CODES[entry.status].upper()}", headers, entry.body


HIT_PLANS_KEPT = 4096
# The request's parts a plan depends on (after ProxyFix and the /api alias rewrote them).
PLAN_KEY = ("PATH_INFO", "SCRIPT_NAME", "QUERY_STRING", "HTTP_HOST", "SERVER_NAME",
            "SERVER_PORT", "wsgi.url_scheme", "HTTP_AUTHORIZATION", "HTTP_X_AUTH_TOKEN",
            "HTTP_ORIGIN", LEGACY_ALIAS)  # fmt: skip


def hit_plan(app, environ):
    """The request's HitPlan (remembered, or made now), or None when a hit cannot be served."""
    plans_by_request = app.extensions["cache_fast_lane_hit_plans"]
    key = tuple(map(environ.get, PLAN_KEY))
    plan = plans_by_request.get(key)
    if plan is not None and plan_is_current(plan):
        return plan
    plans_by_request.pop(key, None)
    plan = make_plan(app, app.request_class(environ))
    if plan is not None:
        if len(plans_by_request) >= HIT_PLANS_KEPT:
            plans_by_request.clear()
        plans_by_request[key] = plan
    return plan


def plan_is_current(plan):
    """Whether the token is unexpired, the day unchanged and nothing new learned since."""
    return (
        time.time() < plan.valid_until
        and responses.LEARNED_DEPENDENCIES.get(plan.endpoint, ()) == plan.learned
        and plans().get(plan.endpoint) is plan.limit
    )


def make_plan(app, req):
    """Work out a hit's keys and checks for req (the normal path's functions), or None."""
    route = _route(app, req)
    if route is None:
        return None
    req.url_rule, req.view_args = route[0], dict(route[1])
    limit = plans().get(req.endpoint)
    policy = responses.policy_for_request(req)
    declared = permissions.declared_permission(req.endpoint, "GET")
    if limit is None or policy is None or declared is None or declared.public:
        return None
    claims = _claims(req)
    if claims is None or not claims.get("inst"):
        return None
    user_id, session_id = parse_object_id(claims["sub"]), parse_object_id(claims.get("sid"))
    if user_id is None or session_id is None:
        return None
    day = today()  # before the entry key, which names it
    entry_key, generation_keys = responses.expected_keys(claims, policy, req)
    learned = responses.LEARNED_DEPENDENCIES.get(req.endpoint, ())
    auth_keys = (auth.user_cache_key(user_id), auth.session_cache_key(session_id))
    with_entry, without_entry = (
        (*auth_keys, entry_key, *generation_keys),
        (*auth_keys, *generation_keys),
    )
    prefix = library_internals.cache_prefix(cache.cache)
    end_of_day = (day + timedelta(days=1)).timestamp()
    return HitPlan(
        endpoint=req.endpoint,
        route=req.url_rule.rule,
        area=policy.area,
        limit=limit,
        limit_key=limit.item.key_for(*limit.args_for(caller_key())),
        roles=frozenset(declared.roles),
        user_id=user_id,
        session_id=session_id,
        scope=responses.scope_of(claims["inst"], canonical_role(claims.get("role")), user_id),
        entry_key=entry_key,
        keys_with_entry=with_entry,
        keys_without_entry=without_entry,
        redis_keys_with_entry=tuple(prefix + key for key in with_entry),
        redis_keys_without_entry=tuple(prefix + key for key in without_entry),
        learned=learned,
        resolved=frozenset(dependencies.resolve(learned, req)),
        # A hit has an identity, so these are the headers of an authenticated response.
        headers=tuple(http_headers.response_headers(req)),
        valid_until=min(claims["exp"] + LEEWAY_SECONDS, end_of_day),
    )


def rate_limit_headers(amount, count, window_end):
    """Flask-Limiter's X-RateLimit-* headers (same names, same formulas) for a count just made.

    Flask-Limiter's RequestLimit would look the count and the window up again (in this
    request's memo, through three more layers); its formulas are applied here instead.
    """
    names, as_http_date = library_internals.header_settings(limiter)
    if names is None:
        return ()
    reset_at = int(window_end + 1)  # RequestLimit.reset_at
    remaining = max(0, amount - count)  # limits' FixedWindowRateLimiter.get_window_stats
    seconds = int(reset_at - time.time())
    return (
        (names[HeaderNames.LIMIT], str(amount)),
        (names[HeaderNames.REMAINING], str(remaining)),
        (names[HeaderNames.RESET], str(reset_at)),
        (names[HeaderNames.RETRY_AFTER],
         http_date(reset_at) if as_http_date else str(seconds)),
    )  # fmt: skip


def _is_limiters(hook):
    """A hook Flask-Limiter registered (a bound method, or a partial of one of its methods)."""
    return getattr(hook, "__self__", None) is limiter or (
        isinstance(hook, functools.partial) and hook.args[:1] == (limiter,)
    )


# The hooks a hit replays (after_request) or does not need (before_request, teardown), with
# Flask-Limiter's own (one of each). Module-level functions, so recognised by identity.
REPLAYED_AFTER = (requestlog.finish_request, request_metrics.observe_request,
                  generations.publish, http_headers.add_headers)  # fmt: skip
SKIPPED_BEFORE = (request_metrics.start_timer, requestlog.start_request,
                  http_headers.answer_preflight, guards.check_request_body,
                  permissions.enforce_permissions)  # fmt: skip


HOOK_TABLES = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs",
               "url_value_preprocessors")  # fmt: skip


def hooks_known(app):
    """Whether every registered hook is one the fast lane replays or may skip.

    Decided once, at the first request: Flask refuses new hooks after it.
    """
    verdict = app.extensions["cache_fast_lane_hooks"]
    if verdict is None:
        registered = tuple(
            (table, name, tuple(hooks))
            for table in HOOK_TABLES
            for name, hooks in getattr(app, table).items()
            if hooks  # Flask's defaultdicts gain an empty list per blueprint it looked up
        )
        verdict = app.extensions["cache_fast_lane_hooks"] = _only_known(registered)
        if not verdict:
            log.warning("cache fast lane off: a hook it does not know is registered")
    return verdict


def _only_known(registered):
    known = {
        "before_request_funcs": {*SKIPPED_BEFORE},
        "after_request_funcs": {*REPLAYED_AFTER, learn_limit_plan},
    }
    for table, name, hooks in registered:
        if name is not None:
            return False  # a blueprint's own hooks
        if not all(hook in known.get(table, ()) or _is_limiters(hook) for hook in hooks):
            return False
    after = next((hooks for table, _, hooks in registered if table == "after_request_funcs"), ())
    return set(REPLAYED_AFTER) <= set(after)


def plans():
    """This app's learned limit plans by endpoint (None: the endpoint is not replayable)."""
    return current_app.extensions["cache_fast_lane_plans"]


def usable():
    """Only with our one-trip Redis storage, a fixed window and a healthy limiter."""
    return (
        limiter.enabled
        and isinstance(library_internals.live_storage(limiter), OneTripRedisStorage)
        and isinstance(limiter.limiter, FixedWindowRateLimiter)
    )


ROUTES_KEPT = 4096


def _route(app, req):
    """(rule, view_args) for a GET of req's host and path, or None when Flask would not route it.

    Remembered per process (a bounded memo): matching is a pure function of the host and the
    path, and costs more than the rest of routing a hit. Only routable requests are kept, so
    a host Flask refuses (TRUSTED_HOSTS) is refused every time.
    """
    routes = app.extensions["cache_fast_lane_routes"]
    key = (req.environ.get("HTTP_HOST"), req.environ.get("SERVER_NAME"), req.path)
    if key not in routes:
        try:
            rule, view_args = app.create_url_adapter(req).match(return_rule=True)
        except HTTPException:  # not found, wrong method, a redirect: the normal path answers
            return None
        if len(routes) >= ROUTES_KEPT:
            routes.clear()
        routes[key] = (rule, view_args)
    return routes[key]


def serve_hit(plan, environ):
    """(the entry, the limit counted) for a current cached GET, or None to go the normal way."""
    backend = cache.cache
    has_copy = response_copies.store().get(plan.entry_key) is not None
    if has_copy:
        keys, redis_keys = plan.keys_without_entry, plan.redis_keys_without_entry
    else:
        keys, redis_keys = plan.keys_with_entry, plan.redis_keys_with_entry
    item = plan.limit.item
    try:
        count, window_end, raw = limiter.storage.count_and_read(
            plan.limit_key, item.get_expiry(), 1, redis_keys
        )
    except redis.RedisError:
        return None
    values = responses.remember_prefetched(
        zip(keys, map(backend.serializer.loads, raw), strict=True)
    )
    if count > item.amount:
        return None  # Flask-Limiter answers 429 (with its callbacks), reusing this count
    user_key, session_key = keys[:2]
    context = auth.context_from_parts(values[user_key], values[session_key], plan.user_id)
    if context is None:
        return None
    identity = auth.identity_from_context(context, plan.session_id)
    institution = str(identity.institution_id)
    if identity.role not in plan.roles or (
        responses.scope_of(institution, identity.role, identity.user_id) != plan.scope
    ):
        return None  # not allowed, or the token's role or school is no longer the caller's
    try:
        entry = responses.entry_if_current(plan.entry_key, identity, values)
    except redis.RedisError:
        return None
    if entry is None:
        return None
    record_cache_lookup(plan.area, hit=True)
    if not plan.resolved.issuperset(entry.dependencies):
        _learn_from(entry, environ)
    request_state.current().identity = identity
    return entry, rate_limit_headers(item.amount, count, window_end)


def _learn_from(entry, environ):
    """Learn the dependencies of an entry another worker stored (a request object needed)."""
    req = current_app.request_class(environ)
    route = _route(current_app, req)
    req.url_rule, req.view_args = route[0], dict(route[1])
    responses.learn_dependencies(entry.dependencies, req)


def _claims(req):
    """The verified token claims, or None (the normal path then answers 401)."""
    token = auth.bearer_token(req)
    if token is None:
        return None
    try:
        claims = decode_access_token(token)
    except jwt.InvalidTokenError:
        return None
    request_state.current().verified_claims = claims
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
    evaluated = list(request_state.current().evaluated_limits.values())
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
