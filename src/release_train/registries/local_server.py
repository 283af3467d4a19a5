"""What the two bundled registry servers (Cargo's and the Python index) share: `start()` serves
from a background thread, `stop()` ends it, `with` does both, `wait()` blocks until it stops (the
CLI's `serve`), and `url` says where it listens."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from types import TracebackType


def http_url(address: tuple[object, int]) -> str:
    """The URL a client uses for a listening address (a wildcard host is reached at 127.0.0.1)."""
    host, port = address
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else str(host)  # noqa: S104 (a comparison)
    return f"http://{shown}:{port}"


class LocalServer(ABC):
    what = "the server"  # how the error of `url` names it before start

    @abstractmethod
    def start(self) -> Self:
        """Listen and serve from a background thread; returns the server."""

    @abstractmethod
    def stop(self) -> None:
        """Stop serving and close the listening socket (nothing when not running)."""

    @abstractmethod
    def _listening(self) -> tuple[object, int] | None:
        """The address it listens on, None when not running."""

    @abstractmethod
    def _join(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the serving thread to end; True once none runs."""

    def wait(self) -> None:
        """Block until the server stops (the CLI's `serve`; Ctrl-C raises KeyboardInterrupt)."""
        while not self._join(0.5):
            pass

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        address = self._listening()
        if address is None:
            raise RuntimeError(f"{self.what} is not running: call start() or use `with`")
        return http_url(address)
