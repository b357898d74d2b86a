"""pymongo as a Flask extension: one lazily created client per process (and per app)."""

import os
import threading
import time

import pymongo
from flask import current_app
from pymongo import MongoClient
from pymongo.errors import PyMongoError, ServerSelectionTimeoutError
from pymongo.uri_parser import parse_uri

from educatenext.platform.mongo.monitoring import listeners


class MongoState:
    """Per-app options and the process's client, created on first use."""

    def __init__(self, options, db_name, probe_seconds=2.0, backoff_seconds=2.0):
        self.options = options
        self.db_name = db_name
        self.client = None
        self.pid = None
        self.lock = threading.Lock()
        self.probe_seconds = probe_seconds
        self.backoff_seconds = backoff_seconds
        self.down_until = 0.0

    def get_client(self):
        """The client for this process; a forked child builds its own (pymongo is not fork-safe)."""
        if self.client is None or self.pid != os.getpid():
            with self.lock:
                if self.client is None or self.pid != os.getpid():
                    self.client = MongoClient(**self.options)
                    self.pid = os.getpid()
        return self.client

    def ensure_available(self):
        """Fail fast while MongoDB is known to be unreachable (a ServerSelectionTimeoutError).

        With timeoutMS set, pymongo waits the whole operation budget for a server that is
        gone, so every request of an outage would hold a worker that long. When the driver
        knows no writable server, one short ping decides; after a failed ping the process
        answers at once for backoff_seconds, then probes again (recovery within that).
        """
        client = self.get_client()
        if client.topology_description.has_writable_server():
            return  # the healthy path: an in-memory check, no round trip
        if time.monotonic() < self.down_until:
            raise ServerSelectionTimeoutError("MongoDB is unreachable (failing fast)")
        try:
            with pymongo.timeout(self.probe_seconds):
                client.admin.command("ping")
        except PyMongoError:
            self.down_until = time.monotonic() + self.backoff_seconds
            raise

    def note_unreachable(self):
        """An operation failed to reach MongoDB: fail fast from now (unless already)."""
        now = time.monotonic()
        if now >= self.down_until:  # never extended, so a probe still runs every backoff
            self.down_until = now + self.backoff_seconds

    def close(self):
        """Close this process's client."""
        if self.client is not None and self.pid == os.getpid():
            self.client.close()
        self.client = None
        self.pid = None


class Mongo:
    """Unbound extension; `mongo.db` is the current app's database."""

    def init_app(self, app):
        """Read pool and timeout options; no connection is opened here."""
        config = app.config
        uri = config["MONGO_URI"]
        db_name = config.get("MONGO_DB_NAME") or parse_uri(uri)["database"] or "educatenext"
        options = {
            "host": uri,
            "maxPoolSize": config["MONGO_MAX_POOL_SIZE"],
            "minPoolSize": config["MONGO_MIN_POOL_SIZE"],
            "maxIdleTimeMS": config["MONGO_MAX_IDLE_TIME_MS"],
            "serverSelectionTimeoutMS": config["MONGO_SERVER_SELECTION_TIMEOUT_MS"],
            "connectTimeoutMS": config["MONGO_CONNECT_TIMEOUT_MS"],
            "socketTimeoutMS": config["MONGO_SOCKET_TIMEOUT_MS"],
            "waitQueueTimeoutMS": config["MONGO_WAIT_QUEUE_TIMEOUT_MS"],
            # Client-side operation timeout: pymongo sends the remaining budget as maxTimeMS.
            "timeoutMS": config["MONGO_OPERATION_TIMEOUT_MS"],
            # Acknowledged means on a majority's journal: a crash right after cannot lose it.
            "w": "majority",
            "journal": True,
            "retryWrites": True,
            "retryReads": True,
            "tz_aware": True,
            "appname": "educatenext",
            # Command listeners (metrics, slow-query log, tests) are attached at client creation.
            "event_listeners": [*config.get("MONGO_EVENT_LISTENERS", []), *listeners(config)],
        }
        if config.get("MONGO_TLS"):
            options["tls"] = True
            if config.get("MONGO_TLS_CA_FILE"):
                options["tlsCAFile"] = config["MONGO_TLS_CA_FILE"]
            if config.get("MONGO_TLS_CERT_KEY_FILE"):
                options["tlsCertificateKeyFile"] = config["MONGO_TLS_CERT_KEY_FILE"]
        app.extensions["mongo"] = MongoState(
            options,
            db_name,
            probe_seconds=config["MONGO_SERVER_SELECTION_TIMEOUT_MS"] / 1000,
            backoff_seconds=config["MONGO_UNAVAILABLE_BACKOFF_SECONDS"],
        )

    @property
    def state(self):
        """The current app's state."""
        return current_app.extensions["mongo"]

    @property
    def client(self):
        """The current app's client in this process."""
        return self.state.get_client()

    @property
    def db(self):
        """The application database."""
        state = self.state
        return state.get_client()[state.db_name]

    def ensure_available(self):
        """Raise at once while MongoDB is known to be down (see MongoState.ensure_available)."""
        self.state.ensure_available()

    def close(self):
        """Close the current app's client (tests and CLI commands)."""
        self.state.close()
