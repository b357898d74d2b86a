"""gunicorn settings; every value can be overridden from the environment."""

import logging
import os
import tempfile

from gunicorn.glogging import Logger

# Prometheus multiprocess mode: every worker writes its samples under this directory and
# /metrics adds them up. Set before the app (and prometheus_client) is imported.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="educatenext-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# Sync workers: the app is synchronous and CPU-bound per request; two cores here.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# Below nginx's proxy_read_timeout (60 s); MongoDB/Redis timeouts are far below this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# A leak guard, not a routine: at 5,000 a worker serving ~1,000 cached reads/s was replaced
# every 5 s, each time reconnecting and re-learning its fast lane (cached reads 0.7-0.8k ->
# 1.0-1.1k req/s without those restarts on this machine).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "10000"))
# Only the proxy on this host may set X-Forwarded-*; the app applies ProxyFix for its hops.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app writes one JSON line per request itself; gunicorn's access log would duplicate it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


class SilencedAccessLogger(Logger):
    """gunicorn's logger, building no access line while the gunicorn.access logger is off."""

    @property
    def access_log_enabled(self):
        """With any logging config given, gunicorn formats every request's access fields even
        when nothing is written (about 2 % of a worker's CPU on a cached read)."""
        return super().access_log_enabled and self.access_log.isEnabledFor(logging.INFO)


logger_class = SilencedAccessLogger
# gunicorn's own lines (boot, worker exits) in the app's JSON format, on stdout.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "educatenext.platform.http.requestlog.JSONFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    # The app puts its own JSON handler on the root logger (requestlog.configure_logging).
    "root": {"handlers": [], "level": loglevel.upper()},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
# Clients (MongoClient, Redis pools) are created lazily in each worker, so preloading is safe.
preload_app = True


def on_starting(server):
    """Start with empty metrics: files left by an earlier run would be added in."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    """A dead worker's live gauges must not be reported (counters are kept)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
