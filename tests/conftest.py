"""Guards for every test: no network beyond 127.0.0.1, no writes to the real $HOME or the real
`~/.cargo`, and a git identity that does not depend on the machine.

Cargo gets a fresh `CARGO_HOME` per test session (a temp dir): whatever cargo caches (its
`.global-cache`, registry indexes, credentials) goes there. The toolchain is still found: the
rustup proxies (`cargo`, `rustc` in `~/.cargo/bin`, on PATH) pick their toolchain through
`RUSTUP_HOME`, which keeps pointing at the real rustup home; they read it and write nothing to
`CARGO_HOME`.

A suite started in the background by a non-interactive shell (`./dev test &`, some CI runners)
inherits SIGINT ignored, and so would every process it starts: the tests that stop a server or a
flow with Ctrl-C would wait forever. The suite takes SIGINT back, so its children start with the
default, as from a terminal (an ignored signal stays ignored across exec; a handled one does not)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

_real_connect = socket.socket.connect
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Read once, before any test points $HOME elsewhere.
_REAL_HOME = Path.home()
_REAL_CARGO_BIN = Path(os.environ.get("CARGO_HOME") or _REAL_HOME / ".cargo") / "bin"
_REAL_RUSTUP_HOME = Path(os.environ.get("RUSTUP_HOME") or _REAL_HOME / ".rustup")


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in LOOPBACK and not host.startswith("/"):
        raise RuntimeError(f"test tried to reach {address!r}: only 127.0.0.1 is allowed")
    return _real_connect(self, address)


@pytest.fixture(scope="session")
def session_cargo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This session's `CARGO_HOME`: empty at the start, shared by the tests that do not set their own."""
    return tmp_path_factory.mktemp("cargo-home")


@pytest.fixture(autouse=True)
def _sandbox(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, session_cargo_home: Path
) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CARGO_HOME", str(session_cargo_home))
    if _REAL_RUSTUP_HOME.is_dir():
        monkeypatch.setenv("RUSTUP_HOME", str(_REAL_RUSTUP_HOME))
    if shutil.which("cargo") is None and (_REAL_CARGO_BIN / "cargo").exists():
        # The proxies are only run from there, never written to.
        monkeypatch.setenv("PATH", f"{os.environ.get('PATH', '')}{os.pathsep}{_REAL_CARGO_BIN}")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test Author\n\temail = author@example.invalid\n"
        '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n'
    )
    for var in ("GITHUB_TOKEN", "RELEASE_TRAIN_TOKEN", "CARGO_REGISTRY_TOKEN", "RELEASE_TRAIN_FAIL_AFTER"):
        monkeypatch.delenv(var, raising=False)
    yield
