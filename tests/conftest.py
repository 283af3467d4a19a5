"""Guards for every test: no network beyond 127.0.0.1, no writes to the real $HOME, and a git
identity that does not depend on the machine."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_real_connect = socket.socket.connect
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in LOOPBACK and not host.startswith("/"):
        raise RuntimeError(f"test tried to reach {address!r}: only 127.0.0.1 is allowed")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    home = tmp_path_factory.mktemp("home")
    cargo_home = Path.home() / ".cargo"
    rustup_home = Path.home() / ".rustup"
    monkeypatch.setenv("HOME", str(home))
    # cargo still needs its toolchain; keep CARGO_HOME where rustup put it but never write there
    # from tests that publish (they set their own CARGO_HOME).
    if cargo_home.is_dir():
        monkeypatch.setenv("CARGO_HOME", str(cargo_home))
    # rustup's proxies find their toolchains through $HOME unless RUSTUP_HOME says where.
    if rustup_home.is_dir():
        monkeypatch.setenv("RUSTUP_HOME", str(rustup_home))
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test Author\n\temail = author@example.invalid\n"
        '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n'
    )
    for var in ("GITHUB_TOKEN", "RELEASE_TRAIN_TOKEN", "CARGO_REGISTRY_TOKEN", "RELEASE_TRAIN_FAIL_AFTER"):
        monkeypatch.delenv(var, raising=False)
    yield
