"""Dependency checks for readiness, each bounded by a short timeout."""

import logging

import pymongo
import redis
from flask import current_app
from pymongo.errors import PyMongoError

from educatenext.extensions import mongo

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


def redis_state(timeout):
    """'ok' when Redis answers a ping; 'disabled' when none is configured (development)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "disabled"
    client = redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=None
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        log.warning("readiness: redis down (%s)", type(exc).__name__)
        return "down"
    finally:
        client.close()
    return "ok"


def dependency_states():
    """State of each dependency by name, never with hostnames."""
    timeout = current_app.config["READY_TIMEOUT_SECONDS"]
    return {"mongodb": mongo_state(timeout), "redis": redis_state(timeout)}
