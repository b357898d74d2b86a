"""Cached GET responses: keys from an allow-list, validity from generation tokens.

Key: area, tenant, visibility scope (the role for admins, the user for everyone whose rows
differ per user), host, path and the sorted query string (already validated by the view's
schema, so only allow-listed parameters reach it). The entry also stores the collections the
response was built from with their generation tokens and a fingerprint of the caller's row
scope; a hit needs all of them to be current.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

import redis
from flask import Response, current_app, request

from educatenext.auth.roles import ADMIN, canonical_role
from educatenext.caching import dependencies, fills, generations, response_copies
from educatenext.extensions import cache
from educatenext.platform import library_internals, request_state
from educatenext.platform.http.pagination import LEGACY_ALIAS
from educatenext.platform.metrics import CACHE_FILL_WAITS as COALESCED
from educatenext.platform.metrics import record_cache_lookup
from educatenext.platform.values import today

log = logging.getLogger(__name__)

# Admins see every row of their institution: one entry serves them all. Other roles' rows
# (and some fields) depend on who they are, so their entries are per user.
SHARED_BY_ROLE = {ADMIN}
KEPT_HEADERS = ("Content-Type", "X-Total-Count", "X-Pagination", "Link")
# Learned per process: which collections each endpoint's responses read (for prefetching).
LEARNED_DEPENDENCIES = {}


@dataclass(frozen=True)
class Entry:
    """A stored response and what it was built from."""

    dependencies: tuple
    tokens: tuple
    fingerprint: str
    status: int
    body: bytes
    headers: tuple
    # When Redis drops it (epoch seconds); 0 in entries stored before the field existed.
    expires_at: float = 0.0


def enabled():
    """Caching is on with a Redis backend and no unpublished invalidation in this process."""
    config = current_app.config
    return (
        config["RESPONSE_CACHE_ENABLED"]
        and config["CACHE_TYPE"] != "NullCache"
        and not generations.PENDING
    )


def scope_of(institution_id, role, user_id):
    """The visibility part of a key."""
    who = f"role:{role}" if role in SHARED_BY_ROLE else f"user:{user_id}"
    return f"{institution_id}:{who}"


def entry_key(area, scope, req=request):
    """The key for this request's response in a cache area (computed once per request)."""
    memo = request_state.current().cache_entry_keys
    if (area, scope) not in memo:
        memo[area, scope] = _entry_key(area, scope, req)
    return memo[area, scope]


TARGETS_KEPT = 4096
# Digests of (day, host, path, query) by the raw values they come from: parsing the query and
# the host and formatting the day cost more than the rest of a hit's key work. Bounded.
TARGET_DIGESTS = {}


def _entry_key(area, scope, req):
    environ = req.environ
    day = today()
    raw = (day, environ.get("HTTP_HOST"), environ.get("SERVER_NAME"), environ.get("SERVER_PORT"),
           environ.get("wsgi.url_scheme"), req.path, environ.get("QUERY_STRING", ""),
           environ.get(LEGACY_ALIAS))  # fmt: skip
    digest = TARGET_DIGESTS.get(raw)
    if digest is None:
        digest = _target_digest(day, req)
        if len(TARGET_DIGESTS) >= TARGETS_KEPT:
            TARGET_DIGESTS.clear()
        TARGET_DIGESTS[raw] = digest
    return f"resp:{area}:{scope}:{digest}"


def _target_digest(day, req):
    params = sorted((name, value) for name, values in req.args.lists() for value in values)
    # The date: some reports default to "today", and Link headers name the host.
    legacy = "legacy" if req.environ.get(LEGACY_ALIAS) else "v1"  # whole lists vs pages
    target = f"{day}|{req.host}|{req.path}|{legacy}|{urlencode(params)}"
    return hashlib.blake2b(target.encode(), digest_size=16).hexdigest()


def fingerprint(identity):
    """Everything about the caller that can change which rows or fields they see."""
    parts = (
        identity.role,
        str(identity.student_id),
        ",".join(sorted(map(str, identity.child_student_ids))),
        ",".join(sorted(map(str, identity.classroom_ids))),
    )
    return hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest()


def prefetch_keys(claims, policy=None, req=request):
    """Keys to read with the auth context in one round trip, guessed from the token's claims.

    The entry itself is left out when this worker holds a copy: the tokens decide the copy.
    """
    policy = policy or policy_for_request(req)
    if policy is None or not claims.get("inst") or not enabled():
        return []
    key, tokens = expected_keys(claims, policy, req)
    return tokens if response_copies.store().get(key) is not None else [key, *tokens]


def expected_keys(claims, policy, req=request):
    """(entry key, generation keys) of this request for the caller the token's claims name.

    Guessed from the claims (role, school) and what the endpoint was learned to read; a hit
    still checks them against the caller's cached context and the entry's own dependencies.
    """
    role = canonical_role(claims.get("role"))
    key = entry_key(policy.area, scope_of(claims["inst"], role, claims["sub"]), req)
    learned = dependencies.resolve(LEARNED_DEPENDENCIES.get(req.endpoint, ()), req)
    return key, generations.generation_keys(claims["inst"], learned)


def remember_prefetched(values):
    """Keep what a round trip fetched (None: the key is absent) for the rest of the request.

    Returns the request's dict of fetched values (what a later read adds to it is kept too).
    """
    state = request_state.current()
    if state.cache_prefetched is None:
        state.cache_prefetched = {}
    state.cache_prefetched.update(values)
    return state.cache_prefetched


def prefetched_values(keys):
    """Values of keys: fetched earlier in this request or now, in one trip for the rest.

    A key Redis could not be asked about is left out (callers treat it as unknown).
    """
    state = request_state.current()
    if state.cache_prefetched is None:
        state.cache_prefetched = {}
    known = state.cache_prefetched
    missing = [key for key in keys if key not in known]
    if missing:
        try:
            known.update(zip(missing, cache.get_many(*missing), strict=True))
        except redis.RedisError:
            log.warning("cache unavailable; %d keys not read", len(missing))
    return known


@dataclass(frozen=True)
class Policy:
    """How a view's responses are cached."""

    area: str


def cached(area):
    """Cache a GET view's 200 responses (place above @blp.arguments and @blp.response).

    Above @blp.arguments a hit skips argument parsing: entries are only stored for a query
    string the schema accepted, and the key is that exact query string.
    """
    policy = Policy(area)

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not enabled():
                response = view(*args, **kwargs)
                response.headers["X-Cache"] = "BYPASS"
                return response
            return _serve(policy, view, args, kwargs)

        wrapper._cache_policy = policy
        return wrapper

    return decorator


def policy_for_request(req=request):
    """The cache policy of this request's GET view, or None."""
    if req.method != "GET":
        return None
    view = current_app.view_functions.get(req.endpoint)
    handler = getattr(getattr(view, "view_class", None), "get", view)
    return getattr(handler, "_cache_policy", None)


def _serve(policy, view, args, kwargs):
    state = request_state.current()
    identity = state.identity
    if identity.institution_id is None:
        return view(*args, **kwargs)
    institution = str(identity.institution_id)
    key = entry_key(policy.area, scope_of(institution, identity.role, identity.user_id))
    prefetched, state.cache_prefetched = state.cache_prefetched or {}, None
    learned = dependencies.resolve(LEARNED_DEPENDENCIES.get(request.endpoint, ()), request)
    try:
        hit = hit_response(policy, identity, prefetched)
        if hit is not None:
            return hit
        # Tokens for what we expect to read, taken BEFORE reading MongoDB: a write that
        # commits meanwhile replaces them, so what we store can never be served stale.
        before = _tokens(institution, learned, prefetched, remember=True)
    except redis.RedisError:
        before = None  # fail closed: read MongoDB, store nothing
    lease = None
    if before is not None and fills.wait_seconds() > 0:
        lease = fills.claim(key)
        if lease is None:  # another worker is building this entry: wait for it
            filled = fills.await_entry(
                key, lambda entry: _usable(entry, institution, identity, prefetched)
            )
            if filled is not None:
                return _serve_filled(policy, key, filled)
            COALESCED.labels(area=policy.area, outcome="built").inc()
    try:
        return _build(policy, view, args, kwargs, key, identity, learned, before)
    finally:
        if lease is not None:
            fills.release(key, lease)


def _build(policy, view, args, kwargs, key, identity, learned, before):
    """A miss: run the view and store its 200 response when its reads were as expected."""
    record_cache_lookup(policy.area, hit=False)
    state = request_state.current()
    state.cache_reads = set()
    try:
        response = view(*args, **kwargs)
    finally:
        reads, state.cache_reads = state.cache_reads, None
    learn_dependencies(reads, request)
    if before is not None and response.status_code == 200 and dependencies.covered(reads, learned):
        _store(key, identity, learned, before, response)
    response.headers["X-Cache"] = "MISS"
    return response


def _usable(entry, institution, identity, prefetched):
    """Whether an entry another caller just stored may be served to this one (like a hit)."""
    try:
        return isinstance(entry, Entry) and _current(entry, institution, identity, prefetched)
    except redis.RedisError:
        return False


def _serve_filled(policy, key, entry):
    """Serve the entry another caller built while this one waited: a hit, counted apart too."""
    COALESCED.labels(area=policy.area, outcome="served").inc()
    record_cache_lookup(policy.area, hit=True)
    learn_dependencies(entry.dependencies, request)
    response_copies.store().put(key, entry)
    return _response(entry, "HIT")


def hit_response(policy, identity, prefetched):
    """The stored response if it is current for this caller, else None (may raise RedisError)."""
    entry = current_entry(policy, identity, prefetched)
    return None if entry is None else _response(entry, "HIT")


def current_entry(policy, identity, prefetched, req=request):
    """The stored Entry if it is current for this caller (a hit), else None.

    May raise RedisError.
    """
    institution = str(identity.institution_id)
    key = entry_key(policy.area, scope_of(institution, identity.role, identity.user_id), req)
    entry = entry_if_current(key, identity, prefetched)
    if entry is None:
        return None
    record_cache_lookup(policy.area, hit=True)
    learn_dependencies(entry.dependencies, req)
    return entry


def entry_if_current(key, identity, prefetched):
    """The Entry under key (this worker's copy, else Redis's) if current for this caller.

    May raise RedisError.
    """
    institution = str(identity.institution_id)
    copies = response_copies.store()
    entry = copies.get(key)
    if entry is not None and not _current(entry, institution, identity, prefetched):
        copies.discard(key)  # stale, or not this caller's: Redis may hold a newer entry
        entry = None
    if entry is None:
        if key not in prefetched:  # the trip skipped it for the copy, or no trip was made
            prefetched[key] = cache.get(key)
        entry = prefetched[key]
        if not (isinstance(entry, Entry) and _current(entry, institution, identity, prefetched)):
            return None
        copies.put(key, entry)
    return entry


def _current(entry, institution, identity, prefetched):
    """Whether entry is this caller's and built from the current generations (may raise)."""
    return (
        entry.fingerprint == fingerprint(identity)
        and _tokens(institution, entry.dependencies, prefetched) == entry.tokens
    )


def learn_dependencies(read, req):
    """Learn what the endpoint reads, from a miss's reads or a hit's entry.

    From hits too: a worker whose entries another worker stored never misses, and without
    this it would read the generation tokens in a second round trip on every hit.
    """
    learned = LEARNED_DEPENDENCIES.get(req.endpoint, ())
    templates = dependencies.generalise(read, req)
    if not templates <= set(learned):
        LEARNED_DEPENDENCIES[req.endpoint] = tuple(sorted({*learned, *templates}))


def _tokens(institution, dependencies, prefetched, remember=False):
    """Current generation tokens of dependencies (prefetched when possible).

    remember: keep them for the rest of the request (taken before its reads of MongoDB).
    """
    keys = generations.generation_keys(institution, dependencies)
    tokens = generations.fetch_tokens(keys, prefetched)
    if tokens is None:
        raise redis.RedisError("generation tokens unavailable")
    if remember:
        generations.remember_tokens(keys, tokens)
    return tokens


def _store(key, identity, dependencies, tokens, response):
    ttl = current_app.config["CACHE_RESPONSE_TTL_SECONDS"]
    entry = Entry(
        dependencies=tuple(dependencies),
        tokens=tokens,
        fingerprint=fingerprint(identity),
        status=response.status_code,
        body=response.get_data(),
        headers=tuple(
            (name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers
        ),
        expires_at=time.time() + ttl,
    )
    try:
        cache.set(key, entry, timeout=ttl)
    except redis.RedisError:
        log.warning("response not cached: Redis unavailable")
        return
    response_copies.store().put(key, entry)


def _response(entry, state):
    response = Response(entry.body, status=entry.status, headers=list(entry.headers))
    response.headers["X-Cache"] = state
    return response


def drop_school_entries(institution_id):
    """Delete every stored response of one school (an erasure must leave no copy in Redis).

    Generation tokens already make such entries unservable; this removes their bytes too.
    Returns how many keys went.
    """
    backend = cache.cache
    client = library_internals.cache_client(backend)
    pattern = f"{library_internals.cache_prefix(backend)}resp:*:{institution_id}:*"
    dropped = 0
    batch = []
    for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 500:
            dropped += client.delete(*batch)
            batch = []
    if batch:
        dropped += client.delete(*batch)
    return dropped
