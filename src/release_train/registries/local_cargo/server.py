"""The HTTP face of the local registry (standard library only), and its lifecycle.

Routes, as cargo and crates.io clients expect them:

    GET    /index/config.json                     {"dl", "api", "auth-required"}
    GET    /index/<path by name length>           one JSON line per visible version (ETag, 304)
    PUT    /api/v1/crates/new                     publish (binary body)
    DELETE /api/v1/crates/{name}/{version}/yank   {"ok": true}
    PUT    /api/v1/crates/{name}/{version}/unyank {"ok": true}
    GET    /api/v1/crates/{name}/{version}/download
    GET    /api/v1/crates/{name}                  every stored version
    POST   /_admin/faults                         {"crate", "status", "times"} | {"crate", "reject"} | {"clear": true}
    GET    /_admin/uploads                        the upload log
    GET    /_admin/published                      {crate: [versions]}

Errors are `{"errors": [{"detail": ...}]}`, which cargo shows to the user.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from release_train.infra.clock import Clock
from release_train.registries.local_cargo.index import ApiError, name_from_index_path
from release_train.registries.local_cargo.limits import Limits
from release_train.registries.local_cargo.registry import Registry, UploadAttempt

log = logging.getLogger("release_train.registry")

MAX_BODY = 64 * 1024 * 1024  # far above crates.io's 10 MiB limit; only guards memory


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    registry: Registry
    base_url: str


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and `Expect: 100-continue` from curl uploads
    # Headers and body go out in two writes; with Nagle on, a keep-alive client waits for a
    # delayed ACK (about 40 ms) on every answer.
    disable_nagle_algorithm = True
    server: _Server

    # ----- dispatch

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        path = unquote(urlsplit(self.path).path)
        parts = [p for p in path.split("/") if p]
        try:
            body = self._read_body()
            self._route(method, path, parts, body)
        except ApiError as exc:
            self._send_json(exc.status, {"errors": [{"detail": exc.detail}]}, exc.headers)
        except Exception as exc:  # a bug must answer 500 rather than drop the connection
            log.exception("registry request failed: %s %s", method, path)
            self._send_json(500, {"errors": [{"detail": f"internal error: {exc}"}]})

    def _route(self, method: str, path: str, parts: list[str], body: bytes) -> None:
        registry = self.server.registry
        auth = self.headers.get("Authorization")
        if parts[:1] == ["index"] and method == "GET":
            self._index(path.removeprefix("/index/"))
        elif parts[:3] == ["api", "v1", "crates"]:
            self._api(method, parts[3:], auth, body)
        elif parts[:1] == ["_admin"]:
            registry.authorize(auth)
            self._admin(method, parts[1:], body)
        elif not parts and method == "GET":
            text = f"release-train local Cargo registry\nindex: sparse+{self.server.base_url}/index/\n"
            self._send(200, text.encode(), "text/plain; charset=utf-8")
        else:
            raise ApiError(404, f"no route for {method} {path}")

    def _api(self, method: str, rest: list[str], auth: str | None, body: bytes) -> None:
        registry = self.server.registry
        if method == "PUT" and rest == ["new"]:
            self._send_json(200, registry.publish(auth, body))
        elif method == "DELETE" and len(rest) == 3 and rest[2] == "yank":
            self._send_json(200, registry.yank(auth, rest[0], rest[1], yanked=True))
        elif method == "PUT" and len(rest) == 3 and rest[2] == "unyank":
            self._send_json(200, registry.yank(auth, rest[0], rest[1], yanked=False))
        elif method == "GET" and len(rest) == 3 and rest[2] == "download":
            self._send(200, registry.download(rest[0], rest[1]), "application/x-tar")
        elif method == "GET" and len(rest) == 1:
            self._send_json(200, registry.crate_info(rest[0]))
        else:
            raise ApiError(404, f"no route for {method} /api/v1/crates/{'/'.join(rest)}")

    def _index(self, rel: str) -> None:
        registry = self.server.registry
        if rel == "config.json":
            self._send_json(200, registry.config_json(self.server.base_url))
            return
        name = name_from_index_path(rel)
        data = registry.index_file(name) if name else None
        if data is None:
            raise ApiError(404, f"crate `{name or rel}` not found in the index")
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        if etag in (self.headers.get("If-None-Match") or ""):
            self._send(304, b"", "text/plain", {"ETag": etag})
        else:
            self._send(200, data, "text/plain; charset=utf-8", {"ETag": etag})

    def _admin(self, method: str, rest: list[str], body: bytes) -> None:
        registry = self.server.registry
        if method == "POST" and rest == ["faults"]:
            self._send_json(200, apply_admin_faults(registry, _json_object(body)))
        elif method == "GET" and rest == ["uploads"]:
            self._send_json(200, {"uploads": [a._asdict() for a in registry.upload_log]})
        elif method == "GET" and rest == ["published"]:
            self._send_json(200, registry.published())
        else:
            raise ApiError(404, f"no admin route for {method} /_admin/{'/'.join(rest)}")

    # ----- plumbing

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ApiError(413, f"request body of {length} bytes is too large")
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(value).encode(), "application/json", headers)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # the library never prints
        log.debug("%s " + format, self.address_string(), *args)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError as exc:
        raise ApiError(400, f"request body is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ApiError(400, "request body must be a JSON object")
    return value


def apply_admin_faults(registry: Registry, request: dict[str, Any]) -> dict[str, Any]:
    """`POST /_admin/faults`: drive the fault injection of a server run as another process."""
    if request.get("clear"):
        registry.faults.clear(request.get("crate"))
        return {"ok": True}
    crate = request.get("crate")
    if not isinstance(crate, str) or not crate:
        raise ApiError(400, 'name the crate: {"crate": "NAME" or "*", ...}')
    if "reject" in request:
        registry.faults.reject(crate, str(request["reject"]), int(request.get("status", 400)))
    else:
        registry.faults.fail(crate, int(request.get("status", 500)), int(request.get("times", 1)))
    return {"ok": True}


class RegistryServer:
    """A local Cargo registry on `host:port` (port 0: any free port) serving `data_dir`.

    All durations (`index_delay`, the `limits`) are simulated seconds; real seconds are those
    divided by `time_scale`. Cargo bakes the index URL into what it publishes, so a registry whose
    data must outlive one run should be started on a fixed port.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        token: str | None = None,
        limits: Limits | None = None,
        time_scale: float = 1.0,
        index_delay: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        self.registry = Registry(
            Path(data_dir),
            token=token,
            limits=limits,
            time_scale=time_scale,
            index_delay=index_delay,
            clock=clock,
        )
        self._address = (host, port)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.previous_url: str | None = None  # the URL recorded by the last run, if different

    # ----- lifecycle

    def start(self) -> RegistryServer:
        httpd = _Server(self._address, _Handler)
        host, port = httpd.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else str(host)  # noqa: S104 (a comparison)
        httpd.registry = self.registry
        httpd.base_url = f"http://{shown}:{port}"
        self._httpd = httpd
        previous = self.registry.storage.record_url(httpd.base_url)
        self.previous_url = previous if previous != httpd.base_url else None
        # A short poll interval makes `stop()` quick; the loop costs nothing noticeable.
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="local-cargo-registry", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd, self._thread = None, None

    def wait(self) -> None:
        """Block until the server stops (the CLI's `serve`; Ctrl-C raises KeyboardInterrupt)."""
        if self._thread is not None:
            while self._thread.is_alive():
                self._thread.join(0.5)

    def __enter__(self) -> RegistryServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ----- addresses

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the registry server is not running: call start() or use `with`")
        return self._httpd.base_url

    @property
    def index_url(self) -> str:
        return f"sparse+{self.url}/index/"

    # ----- the Python face of the admin endpoint

    def published(self) -> dict[str, list[str]]:
        return self.registry.published()

    def is_visible(self, crate: str, version: str) -> bool:
        return self.registry.is_visible(crate, version)

    def inject_failure(self, crate: str, status: int = 500, times: int = 1) -> None:
        self.registry.faults.fail(crate, status, times)

    def reject(self, crate: str, reason: str, status: int = 400) -> None:
        self.registry.faults.reject(crate, reason, status)

    def clear_faults(self, crate: str | None = None) -> None:
        self.registry.faults.clear(crate)

    @property
    def upload_log(self) -> list[UploadAttempt]:
        return list(self.registry.upload_log)
