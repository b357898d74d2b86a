"""Cached public site answers, keyed by host name under one generation token for all sites.

Public reads carry no identity, so the identity-bound response cache does not apply. Every
site write replaces the token (after its request, as for every generation), so no stored
answer survives a write. The token is read before MongoDB is: an answer built from a read
that a concurrent write overtook is stored under the old token, which no reader asks for.
"""

import logging

import redis
from flask import current_app

from educatenext.caching import generations, responses
from educatenext.extensions import cache

log = logging.getLogger(__name__)

DEPENDENCY = "cms_public_sites"
TOKEN_KEY = f"gen:{generations.PLATFORM}:{DEPENDENCY}"
NOT_FOUND = "-"  # stored for an unknown host, so a miss costs no query either


def current_token():
    """The token answers are stored under now; None when caching is off or Redis fails."""
    if not responses.enabled():
        return None
    try:
        tokens = generations.fetch_tokens([TOKEN_KEY], {})
    except redis.RedisError:
        log.warning("public site cache unavailable; reading MongoDB")
        return None
    return None if tokens is None else tokens[0]


def _key(token, host):
    return f"cms:public:{token}:{host}"


def lookup(token, host):
    """The stored body for host (NOT_FOUND for a known miss), or None."""
    try:
        return cache.get(_key(token, host))
    except redis.RedisError:
        return None


def store(token, host, body):
    """Keep a body (or NOT_FOUND) for host under token; best effort."""
    try:
        cache.set(_key(token, host), body, timeout=current_app.config["CMS_PUBLIC_CACHE_SECONDS"])
    except redis.RedisError:
        log.warning("public site answer not stored")


def stale_all():
    """A site changed: replace the token at the end of this request."""
    generations.note_write(None, DEPENDENCY)
