"""One HTTP client per registry adapter, made at first use and shared by the publisher's threads
(httpx allows that). Making a client loads the CA certificates, about as long as a whole upload to
the local registry takes, so one per index read cost more than the reads; its connections are
also kept alive. It is closed when its owner (and so this object) goes away."""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx


class SharedClient:
    """Call it for the client: `httpx.Client(**options)`, made once."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()

    def __call__(self) -> httpx.Client:
        import httpx

        with self._lock:
            if self._http is None:
                self._http = httpx.Client(**self._options)
                weakref.finalize(self, self._http.close)
            return self._http
