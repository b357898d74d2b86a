"""pymongo listeners: command latency per command and collection, pool waits, slow-query log."""

import logging
import threading

from pymongo import monitoring

from educatenext.platform import request_state
from educatenext.platform.metrics import MONGO_COMMANDS, MONGO_POOL_FAILURES, MONGO_POOL_WAIT

slow_log = logging.getLogger("educatenext.slowquery")
# Commands whose first value is not a collection name.
NO_COLLECTION = {"ping", "hello", "isMaster", "ismaster", "endSessions", "buildInfo"}
FILTER_FIELDS = {
    "find": "filter",
    "count": "query",
    "findAndModify": "query",
    "delete": "deletes",
    "update": "updates",
}


def query_shape(value, depth=0):
    """Field names and operators of a filter with every value replaced: never document values."""
    if depth > 6:
        return "…"
    if isinstance(value, dict):
        return {key: query_shape(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [query_shape(value[0], depth + 1)] if value else []
    return "?"


def command_shape(name, command):
    """The filter or pipeline shape of a command, for the slow-query log."""
    if name == "aggregate":
        return query_shape(command.get("pipeline", []))
    field = FILTER_FIELDS.get(name)
    return query_shape(command.get(field)) if field and field in command else None


class CommandMetrics(monitoring.CommandListener):
    """Times every command; logs the slow ones with their shape and the request id."""

    def __init__(self, slow_ms):
        self.slow_ms = slow_ms
        self.in_flight = {}
        self.lock = threading.Lock()

    def _key(self, event):
        return (event.request_id, event.connection_id)

    def started(self, event):
        """Remember the collection and shape of an outgoing command."""
        name = event.command_name
        collection = event.command.get(name) if name not in NO_COLLECTION else None
        if not isinstance(collection, str):
            collection = "-"
        shape = None
        if self.slow_ms is not None:
            shape = command_shape(name, event.command)
        state = request_state.current_or_none()
        request_id = state.request_id if state is not None else None
        with self.lock:
            self.in_flight[self._key(event)] = (collection, shape, request_id)

    def _finish(self, event, outcome):
        with self.lock:
            collection, shape, request_id = self.in_flight.pop(self._key(event), ("-", None, None))
        seconds = event.duration_micros / 1e6
        MONGO_COMMANDS.labels(event.command_name, collection, outcome).observe(seconds)
        if self.slow_ms is not None and seconds * 1000 >= self.slow_ms:
            reply = getattr(event, "reply", None) or {}
            fields = {
                "command": event.command_name,
                "collection": collection,
                "durationMs": round(seconds * 1000, 2),
                "outcome": outcome,
                "shape": shape,
                "requestId": request_id,
            }
            cursor = reply.get("cursor") if isinstance(reply, dict) else None
            if isinstance(cursor, dict) and isinstance(cursor.get("firstBatch"), list):
                fields["returned"] = len(cursor["firstBatch"])
            slow_log.warning("slow query", extra={"fields": fields})

    def succeeded(self, event):
        """Record a completed command."""
        self._finish(event, "ok")

    def failed(self, event):
        """Record a failed command."""
        self._finish(event, "error")


class PoolMetrics(monitoring.ConnectionPoolListener):
    """How long requests wait for a pooled connection, and how often they give up."""

    def connection_checked_out(self, event):
        """A checkout succeeded after event.duration seconds."""
        MONGO_POOL_WAIT.observe(event.duration)

    def connection_check_out_failed(self, event):
        """A checkout failed (timeout, pool closed, connection error)."""
        MONGO_POOL_FAILURES.labels(reason=str(event.reason)).inc()
        MONGO_POOL_WAIT.observe(event.duration)

    def pool_created(self, event):
        """Not measured."""

    def pool_ready(self, event):
        """Not measured."""

    def pool_cleared(self, event):
        """Not measured."""

    def pool_closed(self, event):
        """Not measured."""

    def connection_created(self, event):
        """Not measured."""

    def connection_ready(self, event):
        """Not measured."""

    def connection_closed(self, event):
        """Not measured."""

    def connection_check_out_started(self, event):
        """Not measured: the checked-out event carries the wait."""

    def connection_checked_in(self, event):
        """Not measured."""


def listeners(config):
    """The listeners every MongoClient of the app gets."""
    return [CommandMetrics(config.get("SLOW_QUERY_MS")), PoolMetrics()]
