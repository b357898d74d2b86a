"""Dependency checks for readiness, each bounded by a short timeout."""

import logging

import pymongo
import redis
from flask import current_app
from pymongo.errors import PyMongoError

from educatenext.extensions import cache, mongo
from educatenext.platform import library_internals

log = logging.getLogger(__name__)


def mongo_state(timeout):
    """'ok' when MongoDB answers a ping within the timeout."""
    try:
        with pymongo.timeout(timeout):
            mongo.db.command("ping")
    except PyMongoError as exc:
        log.warning("readiness: mongodb down (%s)", type(exc).__name__)
        return "down"
    return "ok"


def redis_state():
    """'ok' when Redis answers a ping; 'disabled' when none is configured (development)."""
    if not current_app.config.get("REDIS_URL"):
        return "disabled"
    try:
        # The cache's own client: the same topology (server, Sentinel or cluster) and timeouts.
        library_internals.cache_client(cache.cache).ping()
    except redis.RedisError as exc:
        log.warning("readiness: redis down (%s)", type(exc).__name__)
        return "down"
    return "ok"


def dependency_states():
    """State of each dependency by name, never with hostnames."""
    timeout = current_app.config["READY_TIMEOUT_SECONDS"]
    return {"mongodb": mongo_state(timeout), "redis": redis_state()}
