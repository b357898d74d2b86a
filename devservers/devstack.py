"""Local stack for `make run` and the Flask CLI targets.

    python -m devservers.devstack run          embedded servers where none is configured, serve
    python -m devservers.devstack deploy       the same in production mode behind nginx
    python -m devservers.devstack flask ARGS   a Flask CLI command against this checkout's database

The embedded secantusdb keeps its data in this checkout's var/mongo and listens on
EMBEDDED_MONGO_PORT (default 27018; a free port when another checkout holds that one). Its
port is recorded in var/embedded-mongo.json, so `make migrate` beside a running `make run`
talks to the same database, and never to another checkout's server. Ctrl-C (or SIGTERM)
stops gunicorn and every server this script started.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devservers.processes import (  # noqa: E402
    MongoServer,
    NginxServer,
    RedisServer,
    ensure_dir,
    free_port,
    nginx_binary,
    redis_server_binary,
)

VAR = ensure_dir(ROOT / "var")
EMBEDDED_RECORD = VAR / "embedded-mongo.json"
DEFAULT_MONGO_PORT = 27018
BIN = Path(sys.executable).parent


def say(message):
    """Print a supervisor line that stands out from the JSON logs."""
    print(f"==> {message}", flush=True)


def ensure_mongo(env, started):
    """Point MONGO_URI at this checkout's embedded server, starting it unless it already runs.

    A server is this checkout's when var/embedded-mongo.json names it and its process serves
    var/mongo: a server another checkout started on the same port is never used.
    """
    if env.get("MONGO_URI"):
        return
    data = ensure_dir(VAR / "mongo")
    running = own_embedded_server(data)
    if running is not None:
        say(f"using this checkout's embedded secantusdb on 127.0.0.1:{running.port}")
    else:
        requested = env.get("EMBEDDED_MONGO_PORT")
        port = int(requested) if requested else DEFAULT_MONGO_PORT
        if not port_is_free(port):
            if requested:
                raise SystemExit(
                    f"EMBEDDED_MONGO_PORT={port} is in use by another process (another "
                    "checkout's server?): choose a free port or unset it to pick one."
                )
            port = free_port()  # the default port is another checkout's: take a free one
        say("MONGO_URI not set: starting the embedded MongoDB-protocol server (secantusdb)")
        running = MongoServer(data, port=port, log_path=VAR / "secantus.log").start(timeout=60)
        started.append(running)
        EMBEDDED_RECORD.write_text(
            json.dumps({"port": port, "pid": running.process.pid, "data": str(data)})
        )
        say(f"secantusdb on 127.0.0.1:{port} (recorded in var/embedded-mongo.json), "
            "data in var/mongo, log var/secantus.log")  # fmt: skip
    env["MONGO_URI"] = running.uri + "educatenext"


def own_embedded_server(data):
    """This checkout's running embedded server (from var/embedded-mongo.json), or None."""
    try:
        record = json.loads(EMBEDDED_RECORD.read_text())
        command = Path(f"/proc/{record['pid']}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if str(data).encode() not in command:  # the process is gone and its pid reused
        return None
    server = MongoServer(data, port=int(record["port"]))
    return server if server.ping() else None


def forget_embedded_server(started):
    """Drop the record of the embedded server this process started and has stopped."""
    pids = {process.process.pid for process in started if isinstance(process, MongoServer)}
    try:
        if json.loads(EMBEDDED_RECORD.read_text()).get("pid") in pids:
            EMBEDDED_RECORD.unlink()
    except (OSError, ValueError):
        pass


def port_is_free(port):
    """True when nothing listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def flask_command(args):
    """Run one Flask CLI command against the configured or embedded database."""
    env = dict(os.environ)
    started = []
    try:
        ensure_mongo(env, started)
        return subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args], env=env, cwd=ROOT
        ).returncode
    finally:
        for process in reversed(started):
            process.stop()
        forget_embedded_server(started)


PRODUCTION_SECRETS = ("SECRET_KEY", "JWT_SECRET", "QR_SECRET", "MFA_SECRET_KEY")


def production_env(env):
    """EDUCATENEXT_ENV=production with secrets kept in var/deploy-secrets.env (made once, 0600)."""
    env.setdefault("EDUCATENEXT_ENV", "production")
    env.setdefault("TRUSTED_PROXIES", "1")  # nginx is the one proxy in front
    path = VAR / "deploy-secrets.env"
    known = path.read_text() if path.exists() else ""
    # A file from an older checkout gains only the secrets it lacks; existing ones are kept.
    present = {line.partition("=")[0].strip() for line in known.splitlines()}
    missing = [name for name in PRODUCTION_SECRETS if name not in present]
    if missing:
        added = "".join(f"{name}={secrets.token_urlsafe(48)}\n" for name in missing)
        path.write_text(known + ("" if not known or known.endswith("\n") else "\n") + added)
        path.chmod(0o600)
        say(f"generated production secrets in {path} (keep them private)")
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        env.setdefault(name, value)


def serve(behind_nginx=False):
    """Bring the stack up, serve, tear down."""
    env = dict(os.environ)
    started = []
    if behind_nginx:
        if nginx_binary() is None:
            say("nginx is not installed: make system-deps (Debian's nginx-light)")
            return 2
        production_env(env)
    try:
        ensure_mongo(env, started)
        if not env.get("REDIS_URL"):
            if redis_server_binary():
                redis_server = RedisServer(log_path=VAR / "redis.log").start()
                started.append(redis_server)
                env["REDIS_URL"] = redis_server.url
                say(f"REDIS_URL not set: started redis-server on 127.0.0.1:{redis_server.port}")
            else:
                say("!" * 70)
                say("redis-server is not installed and REDIS_URL is not set:")
                say("caching is OFF and the rate limiter counts in process memory.")
                say("!" * 70)
        flask = [str(BIN / "flask"), "--app", "wsgi"]
        subprocess.run([*flask, "migrate", "up"], env=env, cwd=ROOT, check=True)
        for hint in bootstrap_hints():
            say(hint)
        port = env.setdefault("PORT", "5000")
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], env=env, cwd=ROOT
        )
        if behind_nginx:
            nginx_port = int(env.get("NGINX_PORT", "8080"))
            nginx = NginxServer(VAR / "nginx", int(port), port=nginx_port).start()
            started.append(nginx)
            say(f"nginx on http://127.0.0.1:{nginx_port} -> gunicorn 127.0.0.1:{port} "
                f"(production config; logs in var/nginx; Ctrl-C stops everything)")  # fmt: skip
        else:
            say(f"serving on http://127.0.0.1:{port}  (docs: /api/docs, Ctrl-C stops everything)")
        signal.signal(signal.SIGTERM, lambda *_: server.terminate())
        try:
            server.wait()
        except KeyboardInterrupt:
            server.terminate()
            server.wait()
        return server.returncode
    except KeyboardInterrupt:
        return 130
    finally:
        for process in reversed(started):
            say(f"stopping {process.name}")
            process.stop()
        forget_embedded_server(started)
        time.sleep(0.1)


def bootstrap_hints():
    """How to make a fresh system usable (printed once the database is migrated)."""
    return [
        "first time? create the super-admin, a school and its admin in another terminal:",
        "    make bootstrap ARGS='--super-admin-email root@example.org --institution-name "
        '"Greenfield High" --institution-code greenfield --admin-email head@greenfield.org\'',
        "  (it prompts for both passwords), then POST /api/v1/auth/login {email, password}",
    ]


def main(argv):
    """Dispatch the sub-command."""
    if argv[:1] == ["run"]:
        return serve()
    if argv[:1] == ["deploy"]:
        return serve(behind_nginx=True)
    if argv[:1] == ["flask"] and len(argv) > 1:
        return flask_command(argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
