"""A TCP relay in front of the Mongo-wire server that can stop a transaction at its commit.

The chaos run points the app at it (directConnection, so pymongo does not discover the
server's own address and go around it). It reads every OP_MSG the app sends. When a trap is
armed, it catches the commitTransaction of the next transaction that wrote to the trap's
collection, and holds either the command (nothing committed yet) or the server's answer
(committed, and the app never hears it). The chaos harness then kills the worker that owns
the connection, at exactly that point of the transaction.

It also ends abandoned transactions as mongod does after transactionLifetimeLimitSeconds:
secantusdb never expires one, so a worker killed mid-transaction would leave its writes'
locks held for good. A transaction whose last command went over a connection that then
closed, and that no later command finished or continued, has its session killed once the
lifetime has passed.
"""

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path

import bson
from pymongo import MongoClient
from pymongo.errors import PyMongoError

HEADER = struct.Struct("<iiii")  # messageLength, requestID, responseTo, opCode
OP_MSG = 2013
WRITE_COMMANDS = ("insert", "update", "delete", "findAndModify")


def _receive_exactly(sock, size):
    """size bytes from sock, or None when the peer closed first."""
    chunks, remaining = [], size
    while remaining:
        try:
            chunk = sock.recv(remaining)
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(sock):
    """(raw bytes, requestID, responseTo, opCode) of the next wire message, or None at EOF."""
    header = _receive_exactly(sock, HEADER.size)
    if header is None:
        return None
    length, request_id, response_to, opcode = HEADER.unpack(header)
    body = _receive_exactly(sock, length - HEADER.size)
    if body is None:
        return None
    return header + body, request_id, response_to, opcode


def command_of(message, opcode):
    """The command document (an OP_MSG's kind-0 section), or None for anything else."""
    if opcode != OP_MSG:
        return None
    offset = HEADER.size + 4  # past flagBits
    while offset < len(message):
        kind = message[offset]
        (size,) = struct.unpack_from("<i", message, offset + 1)
        if kind == 0:
            return bson.decode(message[offset + 1 : offset + 1 + size])
        offset += 1 + size  # a kind-1 section's size covers its identifier and documents
    return None


@dataclass
class Trap:
    """One catch: the commit of a transaction that wrote to collection, in a write whose
    message carries marker (the bytes of an id only the aimed request writes)."""

    collection: str
    after_commit: bool
    marker: bytes = b""
    caught: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    client_port: int | None = None  # the app's end of the caught connection
    lsid: object = None


class WireProxy:
    """Relay 127.0.0.1:port -> the server at upstream_port, one thread per direction."""

    def __init__(self, upstream_port, transaction_lifetime=10.0):
        self.upstream_port = upstream_port
        self.transaction_lifetime = transaction_lifetime
        self.open_transactions = {}  # lsid key -> (txnNumber, lsid, the link it last used)
        self.abandoned_sessions_killed = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.trap = None
        self.connections = set()
        self.closed = False

    @property
    def uri(self):
        """The app's MONGO_URI: through the relay, and only through it."""
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self):
        """Accept connections in a daemon thread; returns self."""
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def arm(self, collection, after_commit, marker=b""):
        """Catch the next commit of a transaction that wrote marker to collection."""
        trap = Trap(collection, after_commit, marker)
        with self.lock:
            self.trap = trap
        return trap

    def close(self):
        """Stop accepting and drop every relayed connection."""
        self.closed = True
        self.listener.close()
        with self.lock:
            connections, self.connections = list(self.connections), set()
        for sock in connections:
            _close(sock)

    def _accept(self):
        while not self.closed:
            try:
                client, address = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=2)
                upstream.settimeout(None)
            except OSError:
                _close(client)  # the server is down: the app sees a dropped connection
                continue
            link = _Link(self, client, upstream, address[1])
            with self.lock:
                self.connections.update((client, upstream))
            threading.Thread(target=link.from_app, daemon=True).start()
            threading.Thread(target=link.from_server, daemon=True).start()

    def _transaction_seen(self, command, link):
        """Track which transactions are open, and over which connection each last went."""
        lsid_key = bson.encode({"lsid": command["lsid"]})
        name = next(iter(command))
        with self.lock:
            if name in ("commitTransaction", "abortTransaction"):
                self.open_transactions.pop(lsid_key, None)
            else:
                self.open_transactions[lsid_key] = (command.get("txnNumber"), command["lsid"], link)

    def _link_closed(self, link):
        """Transactions last seen on link are abandoned unless continued within the lifetime."""
        with self.lock:
            orphans = [(key, entry[0]) for key, entry in self.open_transactions.items()
                       if entry[2] is link]  # fmt: skip
        if orphans:
            timer = threading.Timer(self.transaction_lifetime, self._expire, (orphans,))
            timer.daemon = True
            timer.start()

    def _expire(self, orphans):
        with self.lock:
            expired = []
            for key, txn_number in orphans:
                entry = self.open_transactions.get(key)
                if entry is not None and entry[0] == txn_number:
                    expired.append(self.open_transactions.pop(key)[1])
        if not expired or self.closed:
            return
        client = MongoClient(port=self.upstream_port, directConnection=True, timeoutMS=5000)
        try:
            client.admin.command("killSessions", expired)
            self.abandoned_sessions_killed += len(expired)
        except PyMongoError:
            pass  # the server is down: its restart ended them anyway
        finally:
            client.close()

    def _take_trap(self, collection, marked):
        """The armed trap if it is for this write (then disarmed), else None."""
        with self.lock:
            trap = self.trap
            if trap is not None and (trap.collection, trap.marker) in marked[collection]:
                self.trap = None
                return trap
        return None


class _Link:
    """One app connection and its upstream twin."""

    def __init__(self, proxy, client, upstream, client_port):
        self.proxy, self.client, self.upstream = proxy, client, upstream
        self.client_port = client_port
        # (lsid, txnNumber) -> {collection: markers of armed traps its writes carried}
        self.written = {}
        self.held_reply = None  # (requestID of a commit whose answer is held, its trap)

    def from_app(self):
        while (message := read_message(self.client)) is not None:
            raw, request_id, _, opcode = message
            trap = self._inspect(command_of(raw, opcode), raw)
            if trap is not None and not trap.after_commit:
                self._hold(trap)  # the commit never reaches the server
                return
            if trap is not None:
                self.held_reply = (request_id, trap)
            if not _send(self.upstream, raw):
                break
        self._drop()

    def from_server(self):
        while (message := read_message(self.upstream)) is not None:
            raw, _, response_to, _ = message
            if self.held_reply and self.held_reply[0] == response_to:
                self._hold(self.held_reply[1])  # committed; the answer never reaches the app
                return
            if not _send(self.client, raw):
                break
        self._drop()

    def _inspect(self, command, raw):
        """Record a transaction's writes; the trap its commit springs, if any."""
        if not command or command.get("autocommit") is not False:
            return None
        self.proxy._transaction_seen(command, self)
        name = next(iter(command))
        key = (bson.encode({"lsid": command.get("lsid")}), command.get("txnNumber"))
        if name in WRITE_COMMANDS:
            trap = self.proxy.trap
            marked = self.written.setdefault(key, {}).setdefault(command[name], set())
            if trap is not None and trap.marker in raw:
                marked.add((command[name], trap.marker))
            return None
        if name != "commitTransaction":
            return None
        written = self.written.pop(key, {})
        for collection in written:
            if trap := self.proxy._take_trap(collection, written):
                trap.client_port, trap.lsid = self.client_port, command["lsid"]
                return trap
        return None

    def _hold(self, trap):
        trap.caught.set()
        trap.release.wait(60)
        self._drop()

    def _drop(self):
        for sock in (self.client, self.upstream):
            _close(sock)
        with self.proxy.lock:
            if self.client not in self.proxy.connections:
                return  # the other direction dropped it already
            self.proxy.connections.difference_update((self.client, self.upstream))
        self.proxy._link_closed(self)


def _send(sock, data):
    try:
        sock.sendall(data)
        return True
    except OSError:
        return False


def _close(sock):
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def socket_owner(local_port, remote_port, pids):
    """The pid among pids holding the TCP connection 127.0.0.1:local_port -> remote_port."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        columns = line.split()
        local, remote, inode = columns[1], columns[2], columns[9]
        ports = (int(local.split(":")[1], 16), int(remote.split(":")[1], 16))
        if ports == (local_port, remote_port):
            inodes.add(f"socket:[{inode}]")
    for pid in pids:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if descriptor.readlink().as_posix() in inodes:
                    return pid
            except OSError:
                continue
    return None
