"""Start throwaway MongoDB-protocol (secantusdb) and Redis servers on free loopback ports.

Used by the test fixtures and by `make run` when MONGO_URI / REDIS_URL are not set.
secantusdb is started as a separate process (`python -m secantus`), never imported.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from abc import ABC, abstractmethod
from pathlib import Path

import redis
from pymongo import MongoClient
from pymongo.errors import PyMongoError

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cluster_port():
    """A free port whose cluster-bus port (port + 10000) is free and valid too."""
    import random

    for _ in range(200):
        port = random.randint(20000, 55000)  # noqa: S311 - not a secret
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


class ServerProcess(ABC):
    """A child server process with a readiness probe and a clean stop."""

    name = "server"
    cwd = None

    def __init__(self, port=None, log_path=None):
        self.port = port or free_port()
        self.log_path = log_path
        self.process = None
        self._log_file = None

    @abstractmethod
    def command(self):
        """The argv that starts the server."""

    @abstractmethod
    def ping(self):
        """True once the server answers."""

    def start(self, timeout=30.0):
        """Start and wait until it answers; fail fast if the process dies."""
        self._log_file = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(),
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal reaches only our supervisor
            cwd=self.cwd,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            if self.ping():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f}s")

    def stop(self, timeout=15.0):
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log_file not in (None, subprocess.DEVNULL):
            self._log_file.close()
        self._log_file = None

    def kill(self):
        """SIGKILL without ceremony (fault-injection tests)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self._log_file not in (None, subprocess.DEVNULL):
            self._log_file.close()
        self._log_file = None


class MongoServer(ServerProcess):
    """secantusdb daemon speaking the MongoDB wire protocol."""

    name = "secantusdb"

    def __init__(self, storage_path, port=None, log_path=None, extra_args=(), tls_ca=None):
        super().__init__(port, log_path)
        self.storage_path = str(storage_path)
        self.extra_args = list(extra_args)
        self.tls_ca = tls_ca  # a CA file: the readiness probe then connects over TLS

    @property
    def uri(self):
        """Connection string for pymongo."""
        return f"mongodb://127.0.0.1:{self.port}/"

    def command(self):
        """python -m secantus on loopback."""
        return [
            sys.executable, "-m", "secantus",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--storage-path", self.storage_path, "--log-level", "WARNING", *self.extra_args,
        ]  # fmt: skip

    def ping(self):
        """Answer to the ping command."""
        tls = {"tls": True, "tlsCAFile": self.tls_ca} if self.tls_ca else {}
        client = MongoClient(self.uri, serverSelectionTimeoutMS=300, connectTimeoutMS=300, **tls)
        try:
            client.admin.command("ping")
            return True
        except PyMongoError:
            return False
        finally:
            client.close()


class RedisServer(ServerProcess):
    """redis-server with no persistence, on loopback."""

    name = "redis-server"

    def __init__(self, port=None, log_path=None, extra_args=(), directory=None):
        super().__init__(port, log_path)
        self.extra_args = list(extra_args)
        self.directory = directory

    @property
    def url(self):
        """Connection URL for redis-py."""
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self):
        """redis-server without disk persistence."""
        argv = [
            redis_server_binary(), "--bind", "127.0.0.1", "--port", str(self.port),
            "--save", "", "--appendonly", "no", "--protected-mode", "yes",
        ]  # fmt: skip
        if self.directory:
            argv += ["--dir", str(self.directory)]
        return argv + self.extra_args

    def ping(self):
        """Answer to PING."""
        client = redis.Redis(port=self.port, socket_timeout=0.3, socket_connect_timeout=0.3)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()


class GunicornServer(ServerProcess):
    """The app under gunicorn with gunicorn.conf.py, configured through environment variables."""

    name = "gunicorn"
    cwd = ROOT

    def __init__(self, env, port=None, log_path=None, workers=2, extra_args=(), app="wsgi:app"):
        super().__init__(port, log_path)
        self.env = env
        self.app = app
        self.workers = workers
        self.extra_args = list(extra_args)

    @property
    def url(self):
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        """gunicorn from this interpreter's environment."""
        return [
            sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
            "--chdir", str(ROOT), "-b", f"127.0.0.1:{self.port}", "-w", str(self.workers),
            *self.extra_args, self.app,
        ]  # fmt: skip

    def start(self, timeout=60.0):
        """Start with our environment (Popen inherits os.environ otherwise)."""
        saved = dict(os.environ)
        os.environ.update({key: str(value) for key, value in self.env.items()})
        try:
            return super().start(timeout)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def ping(self):
        """/health answers 200."""
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=0.5) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False


class RedisClusterServers:
    """A Redis Cluster of `masters` redis-servers (no replicas) on loopback ports."""

    def __init__(self, directory, masters=3):
        self.directory = ensure_dir(directory)
        self.nodes = []
        for _ in range(masters):
            port = cluster_port()
            self.nodes.append(RedisServer(
                port=port, directory=self.directory, log_path=self.directory / f"{port}.log",
                extra_args=["--cluster-enabled", "yes", "--cluster-config-file",
                            f"nodes-{port}.conf", "--cluster-node-timeout", "2000"],
            ))  # fmt: skip

    @property
    def url(self):
        """REDIS_URL for the app."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def start(self, timeout=30.0):
        """Start every node, join them into one cluster and wait until it serves all slots."""
        for node in self.nodes:
            node.start()
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        subprocess.run(
            [shutil.which("redis-cli") or "redis-cli", "--cluster", "create", *addresses,
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True, capture_output=True, timeout=timeout,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = [redis.Redis(port=n.port).cluster("info") for n in self.nodes]
            if all(state.get("cluster_state") == "ok" for state in states):
                return self
            time.sleep(0.2)
        raise RuntimeError("the Redis Cluster did not reach state ok")

    def stop(self):
        """Stop every node."""
        for node in self.nodes:
            node.stop()


def redis_server_binary():
    """Path of redis-server, or None when it is not installed."""
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )


def ensure_dir(path):
    """mkdir -p, returning a Path."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def nginx_binary():
    """Path of nginx, or None when it is not installed."""
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )


class NginxServer(ServerProcess):
    """deploy/nginx.conf on a loopback port in front of one upstream, with a private prefix."""

    name = "nginx"

    def __init__(self, directory, upstream_port, port=None):
        self.directory = ensure_dir(directory)
        super().__init__(port, self.directory / "nginx.stderr")
        self.conf = self.directory / "nginx.conf"
        self.conf.write_text(self.render(upstream_port))

    def render(self, upstream_port):
        """The production config with our ports and pid, log and temp paths under directory."""
        tmp = self.directory
        text = (ROOT / "deploy" / "nginx.conf").read_text()
        text = text.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        text = text.replace("server 127.0.0.1:5000", f"server 127.0.0.1:{upstream_port}")
        text = text.replace("/run/educatenext-nginx.pid", str(tmp / "nginx.pid"))
        text = text.replace("/var/log/nginx/", f"{tmp}/")
        temp = "".join(
            f"    {name}_temp_path {tmp}/{name};\n"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return text.replace("http {\n", "http {\n" + temp, 1)

    def check(self):
        """`nginx -t` on the rendered config: (ok, message)."""
        result = subprocess.run(
            [nginx_binary(), "-t", "-c", str(self.conf)], capture_output=True, text=True
        )
        return result.returncode == 0, result.stderr

    def command(self):
        """nginx in the foreground (root here only because the sandbox runs as root)."""
        return [nginx_binary(), "-c", str(self.conf), "-g", "daemon off; user root;"]

    def ping(self):
        """The listening socket accepts connections."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False
