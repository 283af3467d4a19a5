"""The bundled local Python package index: the real pypiserver (its WSGI app, files kept in
`DIR/packages`) on 127.0.0.1, uploads guarded by a token.

pypiserver authenticates through a callable it is given (`auther`, its API's own option): here
the user `__token__` and the token, compared in constant time, as PyPI's API tokens are used. So
no htpasswd file and no password-hashing library are needed. The token is the one given, else the
one an earlier run kept in `DIR/token`, else a new random one; it is kept there, readable by its
owner only, and never printed. Listing and downloading need no credentials (pip installs from it
as from PyPI). Unknown projects are not redirected to PyPI: the index holds only what was
uploaded to it. Served by the standard library's WSGI server, one thread per request.
"""

from __future__ import annotations

import hmac
import secrets
import socketserver
import threading
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from release_train.infra.fs import atomic_write_text
from release_train.registries.local_pypi.gate import UploadGate
from release_train.registries.local_server import LocalServer

USER = "__token__"


def _import_pypiserver() -> Any:
    """pypiserver, imported without the warnings its bundled bottle causes: it imports the
    standard library's `cgi` (deprecated on Python 3.11 and 3.12; on 3.13 pypiserver requires
    `legacy-cgi`), and it appends to `sys.meta_path` a finder for `bottle.ext.*` plugins (none is
    used here) of the old kind, which every later import in the process would warn about."""
    import sys
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'cgi' is deprecated", DeprecationWarning)
        warnings.filterwarnings("ignore", category=ImportWarning)
        import pypiserver
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_ImportRedirect"]
    return pypiserver


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Requests are not logged (the uploads are, through `stored`)."""


class PypiServer(LocalServer):
    """A local Python package index on `host:port` (port 0: any free port) serving `data_dir`."""

    what = "the index"

    def __init__(
        self, data_dir: Path, *, port: int = 0, host: str = "127.0.0.1", token: str | None = None
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self._address = (host, port)
        self._token = token
        self._httpd: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None
        self.stored: list[str] = []  # the files accepted since start, in order

    # ----- lifecycle

    def start(self) -> PypiServer:
        pypiserver = _import_pypiserver()
        packages = self.data_dir / "packages"
        packages.mkdir(parents=True, exist_ok=True)
        token = self._keep_token().encode()

        def auther(user: str, password: str) -> bool:
            return user == USER and hmac.compare_digest(password.encode(), token)

        app = pypiserver.app(
            roots=[packages],
            authenticate=["update"],
            auther=auther,
            disable_fallback=True,
            hash_algo="sha256",
            overwrite=False,
        )
        gate = UploadGate(app, auther, self.stored.append)
        httpd = make_server(*self._address, gate, server_class=_ThreadingServer, handler_class=_QuietHandler)
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="pypiserver", daemon=True)
        self._thread.start()
        return self

    def _keep_token(self) -> str:
        path = self.token_file
        if self._token is None and path.is_file():
            self._token = path.read_text().strip() or None
        if self._token is None:
            self._token = secrets.token_urlsafe(32)
        atomic_write_text(path, self._token + "\n")
        path.chmod(0o600)
        return self._token

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def _join(self, timeout: float) -> bool:
        thread = self._thread  # stop() may clear it meanwhile
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    # ----- addresses and credentials

    def _listening(self) -> tuple[object, int] | None:
        return None if self._httpd is None else self._httpd.server_address[:2]

    @property
    def index_url(self) -> str:
        """The simple API (`pip install --index-url` this; `[publish] index`)."""
        return f"{self.url}/simple/"

    @property
    def upload_url(self) -> str:
        """Where uploads go (`[publish] upload-url`; pypiserver takes them at its root)."""
        return f"{self.url}/"

    @property
    def token_file(self) -> Path:
        return self.data_dir / "token"

    @property
    def token(self) -> str:
        """The upload token (for the caller that started the server: tests, the demo)."""
        if self._token is None:
            raise RuntimeError("the index has no token before start()")
        return self._token

    def files(self) -> list[str]:
        """Every file the index holds, sorted."""
        return sorted(p.name for p in (self.data_dir / "packages").iterdir() if p.is_file())
