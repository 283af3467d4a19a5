"""The HTTP face of the local registry, and its lifecycle.

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

Errors are `{"errors": [{"detail": ...}]}`, which cargo shows to the user; a malformed request is
a 400 (never a 500 carrying Python's words). A request is checked in the order that costs an
attacker most and the server least: route, then token, then the announced body length (missing,
malformed or too large: 411, 400, 413), and only then is the body read. The connection handling
(bounded workers, timeouts, backlog) is `httpd.py`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from release_train.infra.clock import Clock
from release_train.registries.local_cargo.httpd import Handler, HttpServer, Tuning
from release_train.registries.local_cargo.index import ApiError, name_from_index_path
from release_train.registries.local_cargo.limits import Limits
from release_train.registries.local_cargo.registry import Registry, UploadAttempt
from release_train.registries.local_server import LocalServer, http_url
from release_train.values import dataclass

log = logging.getLogger("release_train.registry")

MAX_UPLOAD = 16 * 1024 * 1024  # a .crate at crates.io's 10 MiB limit, its metadata, and room
MAX_SMALL_BODY = 64 * 1024  # the admin routes' JSON; the other routes take no body
_LENGTH = re.compile(r"[0-9]+")  # ASCII digits only (`int` takes "-1", "1_0" and Arabic-Indic digits)


class _Server(HttpServer):
    registry: Registry
    base_url: str


@dataclass(frozen=True)
class _Route:
    run: Callable[[bytes], None]  # called with the body
    auth: bool = False  # the token is checked before the body is read
    max_body: int = MAX_SMALL_BODY
    needs_length: bool = False  # a request without Content-Length is refused (411)


class _Handler(Handler):
    server: _Server
    _expect_continue = False
    _body_pending = False  # announced but not read: the connection cannot carry another request

    # ----- dispatch

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def handle_expect_100(self) -> bool:
        """`Expect: 100-continue` is answered only once the body is wanted (token and length
        checked), so a refused client never sends it."""
        self._expect_continue = True
        return True

    def _dispatch(self, method: str) -> None:
        self._body_pending = "Content-Length" in self.headers or "Transfer-Encoding" in self.headers
        # Split first, then decode each part: an encoded `/` stays inside its part.
        parts = [unquote(p) for p in urlsplit(self.path).path.split("/") if p]
        path = "/" + "/".join(parts)
        try:
            route = self._route(method, path, parts)
            if route.auth:
                self.server.registry.authorize(self.headers.get("Authorization"))
            route.run(self._read_body(route))
        except ApiError as exc:
            self._send_json(exc.status, {"errors": [{"detail": exc.detail}]}, exc.headers)
        except OSError:  # the client is gone or too slow (TimeoutError): nothing to answer
            raise
        except Exception:  # a bug: say so without Python's words, keep the details in the log
            log.exception("registry request failed: %s %s", method, path)
            detail = "internal error in the registry; its log has the details"
            self._send_json(500, {"errors": [{"detail": detail}]})

    def _route(self, method: str, path: str, parts: list[str]) -> _Route:
        if parts[:1] == ["index"] and method == "GET":
            rel = "/".join(parts[1:])
            return _Route(lambda _: self._index(rel))
        if parts[:3] == ["api", "v1", "crates"]:
            return self._api(method, parts[3:])
        if parts[:1] == ["_admin"]:
            return self._admin(method, parts[1:])
        if not parts and method == "GET":
            text = f"release-train local Cargo registry\nindex: sparse+{self.server.base_url}/index/\n"
            return _Route(lambda _: self._send(200, text.encode(), "text/plain; charset=utf-8"))
        raise ApiError(404, f"no route for {method} {path[:200]}")

    def _api(self, method: str, rest: list[str]) -> _Route:
        registry = self.server.registry
        auth = self.headers.get("Authorization")
        if method == "PUT" and rest == ["new"]:
            return _Route(
                lambda body: self._send_json(200, registry.publish(auth, body)),
                auth=True,
                max_body=MAX_UPLOAD,
                needs_length=True,
            )
        if (
            method in ("DELETE", "PUT")
            and len(rest) == 3
            and rest[2] == ("yank" if method == "DELETE" else "unyank")
        ):
            yanked = method == "DELETE"
            return _Route(
                lambda _: self._send_json(200, registry.yank(auth, rest[0], rest[1], yanked)), auth=True
            )
        if method == "GET" and len(rest) == 3 and rest[2] == "download":
            return _Route(lambda _: self._send(200, registry.download(rest[0], rest[1]), "application/x-tar"))
        if method == "GET" and len(rest) == 1:
            return _Route(lambda _: self._send_json(200, registry.crate_info(rest[0])))
        raise ApiError(404, f"no route for {method} /api/v1/crates/{'/'.join(rest)[:200]}")

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

    def _admin(self, method: str, rest: list[str]) -> _Route:
        registry = self.server.registry
        if method == "POST" and rest == ["faults"]:
            return _Route(
                lambda body: self._send_json(200, apply_admin_faults(registry, _json_object(body))),
                auth=True,
                needs_length=True,
            )
        if method == "GET" and rest == ["uploads"]:
            uploads = [a._asdict() for a in registry.upload_log]
            return _Route(lambda _: self._send_json(200, {"uploads": uploads}), auth=True)
        if method == "GET" and rest == ["published"]:
            return _Route(lambda _: self._send_json(200, registry.published()), auth=True)
        raise ApiError(404, f"no admin route for {method} /_admin/{'/'.join(rest)[:200]}")

    # ----- plumbing

    def _read_body(self, route: _Route) -> bytes:
        """The body, read only after every check that needs none of it."""
        if "Transfer-Encoding" in self.headers:
            raise ApiError(
                411, "send the request body with a Content-Length (chunked bodies are not accepted)"
            )
        values = self.headers.get_all("Content-Length") or []
        if not values:
            if route.needs_length:
                raise ApiError(411, "this request needs a Content-Length header")
            return b""
        text = values[0].strip()
        if len(set(values)) > 1 or not _LENGTH.fullmatch(text):
            raise ApiError(400, f"invalid Content-Length {text[:40]!r}: expected a number of bytes")
        length = int(text[:19])  # more digits are too large anyway; `int` is slow on huge strings
        if length > route.max_body:
            raise ApiError(
                413, f"a request body of {text[:40]} bytes is too large here (at most {route.max_body})"
            )
        if length == 0:
            self._body_pending = False
            return b""
        if self._expect_continue:
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self.rfile.read(length)
        if len(body) < length:
            raise ApiError(400, f"the request body ended after {len(body)} of {length} bytes")
        self._body_pending = False
        return body

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
        if self._body_pending:  # the unread body would be taken for the next request
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "the request body is not JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return value


def _int_field(request: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = request.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(400, f"`{key}` must be a whole number from {low} to {high}")
    return value


def apply_admin_faults(registry: Registry, request: dict[str, Any]) -> dict[str, Any]:
    """`POST /_admin/faults`: drive the fault injection of a server run as another process."""
    crate = request.get("crate")
    if crate is not None and (not isinstance(crate, str) or not crate):
        raise ApiError(400, 'name the crate: {"crate": "NAME" or "*", ...}')
    if request.get("clear"):
        registry.faults.clear(crate)
        return {"ok": True}
    if crate is None:
        raise ApiError(400, 'name the crate: {"crate": "NAME" or "*", ...}')
    if "reject" in request:
        reason = request["reject"]
        if not isinstance(reason, str) or not reason:
            raise ApiError(400, "`reject` must be the reason, a non-empty string")
        registry.faults.reject(crate, reason, _int_field(request, "status", 400, 400, 599))
    else:
        status = _int_field(request, "status", 500, 400, 599)
        registry.faults.fail(crate, status, _int_field(request, "times", 1, 1, 1_000_000))
    return {"ok": True}


class RegistryServer(LocalServer):
    """A local Cargo registry on `host:port` (port 0: any free port) serving `data_dir`.

    All durations (`index_delay`, the `limits`) are simulated seconds; real seconds are those
    divided by `time_scale`. Cargo bakes the index URL into what it publishes, so a registry whose
    data must outlive one run should be started on a fixed port.
    """

    what = "the registry server"

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
        tuning: Tuning | None = None,
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
        self._tuning = tuning
        self._httpd: _Server | None = None
        self.previous_url: str | None = None  # the URL recorded by the last run, if different

    # ----- lifecycle

    def start(self) -> RegistryServer:
        httpd = _Server(self._address, _Handler, self._tuning)
        httpd.registry = self.registry
        httpd.base_url = http_url(httpd.server_address)
        try:
            previous = self.registry.storage.record_url(httpd.base_url)
        except BaseException:
            httpd.stop()
            raise
        self.previous_url = previous if previous != httpd.base_url else None
        self._httpd = httpd
        httpd.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.stop()
        self._httpd = None

    def _join(self, timeout: float) -> bool:
        httpd = self._httpd  # stop() may clear it meanwhile
        return httpd is None or httpd.join(timeout)

    # ----- addresses

    def _listening(self) -> tuple[object, int] | None:
        return None if self._httpd is None else self._httpd.server_address

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
