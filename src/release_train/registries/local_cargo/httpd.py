"""An HTTP/1.1 server that holds up on an open network: bounded threads, bounded memory, timeouts.

One thread runs an event loop (`selectors`): it accepts connections from a deep listen backlog,
reads request heads without blocking, and closes connections that stay idle or send their head
too slowly. Only a complete head goes to the bounded pool of worker threads, which run the
request handler (`BaseHTTPRequestHandler`, one request at a time) and read a body, if the handler
accepts one, under a deadline. So a thousand half-open or slow connections cost a thousand
sockets, never a thousand threads, and cannot hold the workers that answer everyone else.
When the connections reach `max_connections`, the longest idle one is closed for each new one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import resource
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from typing import Any

from release_train.values import dataclass, field

log = logging.getLogger("release_train.registry")

_HEAD_ENDS = (b"\n\r\n", b"\n\n")
EVICTABLE_AFTER = 1.0  # seconds idle before a connection may be closed to make room for another
LINGER = 0.005  # seconds a worker waits for the next request on a connection before handing it back


def _default_max_connections() -> int:
    """Stay well inside the process's file descriptor limit (each connection is one)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = 65536 if soft == resource.RLIM_INFINITY else soft
    return max(16, min(4096, limit - 256))


@dataclass(frozen=True)
class Tuning:
    backlog: int = 1024  # pending connections the kernel keeps before accept (capped by somaxconn)
    workers: int = 16  # threads that run requests
    max_head: int = 16 * 1024  # request line and headers (cargo sends well under 1 KiB)
    head_timeout: float = 10.0  # from the first byte of a request to the end of its head
    idle_timeout: float = 30.0  # a connection with no request in progress
    request_timeout: float = 60.0  # reading the body and writing the answer
    max_connections: int = field(default_factory=_default_max_connections)


class _Input:
    """The read side of one connection: a buffer over the socket, read under a deadline.

    It stands in for the buffered file `BaseHTTPRequestHandler` reads its request from (only
    `readline` and `read` are used); unlike a buffered file, what is left in it after one request
    is visible, so the next request on the connection is never lost."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.deadline = float("inf")

    def _fill(self) -> bool:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request took too long")
        self.sock.settimeout(remaining)
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def readline(self, limit: int = -1) -> bytes:
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0 and (limit < 0 or end < limit):
                return self._take(end + 1)
            if 0 <= limit <= len(self.buffer):
                return self._take(limit)
            if not self._fill():
                return self._take(len(self.buffer))

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size and self._fill():
            pass
        return self._take(min(size, len(self.buffer)))

    def _take(self, size: int) -> bytes:
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def has_head(self) -> bool:
        return any(end in self.buffer for end in _HEAD_ENDS)


class _Output:
    """The write side: every write goes out whole (the socket is blocking, with the deadline)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def write(self, data: bytes) -> int:
        self.sock.sendall(data)
        return len(data)

    def flush(self) -> None:
        pass


class _Connection:
    def __init__(self, sock: socket.socket, address: Any) -> None:
        self.sock = sock
        self.address = address
        self.input = _Input(sock)
        self.output = _Output(sock)
        self.last_active = time.monotonic()
        self.head_since: float | None = None  # when the first byte of a pending head arrived


class Handler(BaseHTTPRequestHandler):
    """Answers one request per instance on a `_Connection` (the server decides about the next).

    Errors found while reading the head (`send_error`) are answered in the JSON shape crates.io
    uses, `{"errors": [{"detail": ...}]}`, and close the connection."""

    protocol_version = "HTTP/1.1"
    server: HttpServer  # type: ignore[assignment]  # ours, not a socketserver.BaseServer

    def setup(self) -> None:
        conn: _Connection = self.request
        self.connection = conn.sock
        self.rfile = conn.input  # type: ignore[assignment]
        self.wfile = conn.output  # type: ignore[assignment]

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()

    def finish(self) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        detail = message or self.responses.get(code, ("error",))[0]
        body = json.dumps({"errors": [{"detail": detail}]}).encode()
        self.close_connection = True
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # the library never prints
        log.debug("%s " + format, self.address_string(), *args)


class HttpServer:
    """Serves `handler` on `address` from a background thread until `stop()`."""

    def __init__(
        self, address: tuple[str, int], handler: type[Handler], tuning: Tuning | None = None
    ) -> None:
        self.handler = handler
        self.tuning = tuning or Tuning()
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)
            listener.listen(self.tuning.backlog)
        except BaseException:
            listener.close()
            raise
        listener.setblocking(False)
        self.server_address: tuple[str, int] = listener.getsockname()[:2]
        self._listener = listener
        self._idle: dict[socket.socket, _Connection] = {}  # waiting for a head, oldest activity first
        self._open: set[_Connection] = set()  # every connection, idle or with a worker
        self._lock = threading.Lock()  # guards _open
        self._returned: queue.SimpleQueue[_Connection] = queue.SimpleQueue()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._stopping = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=self.tuning.workers, thread_name_prefix="registry-http")
        self._selector = selectors.DefaultSelector()
        self._thread: threading.Thread | None = None
        self._accept_paused_until: float | None = None

    # ----- lifecycle

    def start(self) -> None:
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_read, selectors.EVENT_READ, "wake")
        self._thread = threading.Thread(target=self._loop, name="registry-http-loop", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            connections = list(self._open)
        for conn in connections:  # wakes workers blocked on a slow client
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        self._pool.shutdown(wait=True, cancel_futures=True)
        for conn in connections:
            conn.sock.close()
        self._selector.close()
        self._listener.close()
        self._wake_read.close()
        self._wake_write.close()

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` seconds for the server to stop; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    # ----- the event loop (one thread)

    def _loop(self) -> None:
        next_sweep = time.monotonic()
        while not self._stopping.is_set():
            try:
                timeout = 0.5 if self._accept_paused_until is None else 0.05
                for key, _events in self._selector.select(timeout):
                    if key.data == "accept":
                        self._accept()
                    elif key.data == "wake":
                        self._take_back()
                    else:
                        self._receive(key.data)
                now = time.monotonic()
                self._resume_accepting(now)
                if now >= next_sweep:
                    self._sweep(now)
                    next_sweep = now + 0.5
            except Exception:  # a bug must not stop the server for everyone
                log.exception("registry connection loop")

    def _accept(self) -> None:
        for _ in range(256):  # then let the other connections have their turn
            if len(self._open) >= self.tuning.max_connections and not self._evict_oldest():
                self._pause_accepting()
                return
            try:
                sock, address = self._listener.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:  # out of file descriptors: wait for some to be closed
                log.warning("cannot accept a connection: %s", exc.strerror or exc)
                self._pause_accepting()
                return
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                # Headers and body go out in two writes; with Nagle on, a keep-alive client
                # waits for a delayed ACK (about 40 ms) on every answer.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(sock, address)
            with self._lock:
                self._open.add(conn)
            self._watch(conn)

    def _pause_accepting(self) -> None:
        """Leave new connections in the kernel's backlog for a moment (the loop would spin on a
        listener it cannot accept from)."""
        if self._accept_paused_until is None:
            self._selector.unregister(self._listener)
        self._accept_paused_until = time.monotonic() + 0.1

    def _resume_accepting(self, now: float) -> None:
        if self._accept_paused_until is not None and now >= self._accept_paused_until:
            self._accept_paused_until = None
            self._selector.register(self._listener, selectors.EVENT_READ, "accept")

    def _watch(self, conn: _Connection) -> None:
        self._idle[conn.sock] = conn
        self._selector.register(conn.sock, selectors.EVENT_READ, conn)

    def _unwatch(self, conn: _Connection) -> None:
        del self._idle[conn.sock]
        self._selector.unregister(conn.sock)

    def _receive(self, conn: _Connection) -> None:
        room = self.tuning.max_head + 1 - len(conn.input.buffer)
        if room <= 0:
            self._unwatch(conn)
            self._refuse(conn, 431, "the request head is too large")
            return
        try:
            chunk = conn.sock.recv(room)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._unwatch(conn)
            self._close(conn)
            return
        now = time.monotonic()
        conn.input.buffer += chunk
        conn.last_active = now
        conn.head_since = conn.head_since or now
        self._idle[conn.sock] = self._idle.pop(conn.sock)  # most recently active: evicted last
        if conn.input.has_head():
            self._unwatch(conn)
            self._dispatch(conn)
        elif len(conn.input.buffer) > self.tuning.max_head:
            self._unwatch(conn)
            self._refuse(conn, 431, "the request head is too large")

    def _dispatch(self, conn: _Connection) -> None:
        conn.head_since = None
        try:
            self._pool.submit(self._serve, conn)
        except RuntimeError:  # shutting down
            self._close(conn)

    def _sweep(self, now: float) -> None:
        """Close connections idle too long, and those sending their head too slowly."""
        expired = [
            conn
            for conn in self._idle.values()
            if now - conn.last_active > self.tuning.idle_timeout
            or (conn.head_since is not None and now - conn.head_since > self.tuning.head_timeout)
        ]
        for conn in expired:
            self._unwatch(conn)
            self._close(conn)

    def _evict_oldest(self) -> bool:
        """Close the longest idle connection to make room, if it has been idle a while (one just
        accepted may be a client whose request is on its way)."""
        conn = next(iter(self._idle.values()), None)
        if conn is None or time.monotonic() - conn.last_active < EVICTABLE_AFTER:
            return False
        self._unwatch(conn)
        self._close(conn)
        return True

    def _take_back(self) -> None:
        with contextlib.suppress(BlockingIOError):
            self._wake_read.recv(4096)
        while True:
            try:
                conn = self._returned.get_nowait()
            except queue.Empty:
                return
            if self._stopping.is_set():
                self._close(conn)
            elif conn.input.has_head():
                self._dispatch(conn)
            else:
                conn.last_active = time.monotonic()
                conn.head_since = conn.last_active if conn.input.buffer else None
                conn.sock.setblocking(False)
                self._watch(conn)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_write.send(b"\0")

    def _refuse(self, conn: _Connection, status: int, detail: str) -> None:
        body = json.dumps({"errors": [{"detail": detail}]}).encode()
        head = (
            f"HTTP/1.1 {status} Error\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        with contextlib.suppress(OSError):
            conn.sock.send(head + body)
        self._close(conn)

    def _close(self, conn: _Connection) -> None:
        with self._lock:
            self._open.discard(conn)
        conn.sock.close()

    # ----- the workers

    def _serve(self, conn: _Connection) -> None:
        """Answer the requests whose heads are complete, then give the connection back."""
        try:
            for _ in range(100):  # a client sending request after request gets this many in one go
                conn.sock.settimeout(self.tuning.request_timeout)  # bounds every write as well
                conn.input.deadline = time.monotonic() + self.tuning.request_timeout
                handler = self.handler(conn, conn.address, self)  # type: ignore[arg-type]
                if handler.close_connection:
                    self._close(conn)
                    return
                if not conn.input.has_head() and not self._next_head_soon(conn):
                    break
        except Exception:  # a broken socket: nothing more to say on it
            log.debug("connection from %s ended with an error", conn.address, exc_info=True)
            self._close(conn)
            return
        self._returned.put(conn)
        self._wake()

    def _next_head_soon(self, conn: _Connection) -> bool:
        """Wait a moment for the client's next request. Cargo reading the index sends one right
        after the other; answering it here saves two thread hand-overs per request, and a client
        holds the worker no longer than LINGER."""
        conn.sock.settimeout(LINGER)
        try:
            chunk = conn.sock.recv(65536)
        except TimeoutError:
            return False
        if not chunk:
            raise ConnectionResetError("the client closed the connection")
        conn.input.buffer += chunk
        return conn.input.has_head()
