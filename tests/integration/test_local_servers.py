"""The lifecycle both bundled registry servers share (`registries/local_server.py`): `with`
starts and stops them, `url` names where they listen and refuses before start and after stop,
and `wait()` (the CLI's `serve`) returns once another thread stops the server; `registry serve` on
a port in use is a usage error that names the address."""

from __future__ import annotations

import socket
import sys
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from release_train.errors import UsageError
from release_train.infra import proc
from release_train.registries.local_cargo import RegistryServer
from release_train.registries.local_pypi import PypiServer
from release_train.registries.local_server import LocalServer

SERVERS: dict[str, tuple[Callable[[Path], LocalServer], str, str]] = {
    # name: (make it, a path it answers 200 on, how `url` names it before start)
    "cargo": (lambda d: RegistryServer(d, token="t"), "/index/config.json", "the registry server"),
    "pypi": (lambda d: PypiServer(d, token="t"), "/simple/", "the index"),
}


@pytest.mark.parametrize("kind", sorted(SERVERS))
def test_url_names_the_server_until_started_and_after_stopped(tmp_path: Path, kind: str) -> None:
    make, path, what = SERVERS[kind]
    server = make(tmp_path / "data")
    with pytest.raises(RuntimeError, match=f"^{what} is not running: call start"):
        _ = server.url
    with server as running:
        assert running is server
        assert running.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(running.url + path, timeout=10) as answer:  # noqa: S310 (our own http URL)
            assert answer.status == 200
    with pytest.raises(RuntimeError, match=f"^{what} is not running"):
        _ = server.url


@pytest.mark.parametrize("kind", sorted(SERVERS))
def test_wait_returns_once_another_thread_stops_the_server(tmp_path: Path, kind: str) -> None:
    make, _, _ = SERVERS[kind]
    server = make(tmp_path / "data").start()
    returned = threading.Event()

    def waiter() -> None:
        server.wait()
        returned.set()

    thread = threading.Thread(target=waiter, daemon=True)
    thread.start()
    assert not returned.wait(1.0), "wait() returned while the server was serving"
    server.stop()
    assert returned.wait(10.0), "wait() did not return after stop()"
    server.wait()  # not running: returns at once


@pytest.mark.parametrize(
    ("form", "hint"),
    [
        ((), "pick another --port (and keep it from then on)"),
        (("--python",), "pick another --port"),
    ],
)
def test_serve_on_a_port_in_use_is_a_usage_error_naming_it(
    tmp_path: Path, form: tuple[str, ...], hint: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = ["registry", "serve", *form, "--dir", str(tmp_path / "data"), "--port", str(port)]
        done = proc.run([sys.executable, "-m", "release_train", *serve], check=False)
    assert done.returncode == UsageError.exit_code, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert hint in done.stderr
    assert "Traceback" not in done.stderr
