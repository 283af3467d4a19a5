"""Injected faults: what a flaky or strict public registry does to an upload.

`fail(crate, status, times)` answers `status` to the next `times` uploads of `crate` (then the
crate uploads normally); `reject(crate, reason)` refuses every upload of `crate` with a reason, as
crates.io does for a reserved name or a policy violation. The crate `*` matches every crate.
"""

from __future__ import annotations

import threading

from release_train.registries.local_cargo.index import ApiError, canonical_name
from release_train.values import dataclass

ANY = "*"


@dataclass
class _Failure:
    status: int
    remaining: int
    detail: str


@dataclass(frozen=True)
class _Rejection:
    status: int
    reason: str


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, _Failure] = {}
        self._rejections: dict[str, _Rejection] = {}

    def fail(self, crate: str, status: int = 500, times: int = 1, detail: str | None = None) -> None:
        with self._lock:
            self._failures[_key(crate)] = _Failure(
                status, times, detail or f"internal server error (injected fault, status {status})"
            )

    def reject(self, crate: str, reason: str, status: int = 400) -> None:
        with self._lock:
            self._rejections[_key(crate)] = _Rejection(status, reason)

    def clear(self, crate: str | None = None) -> None:
        with self._lock:
            if crate is None:
                self._failures.clear()
                self._rejections.clear()
            else:
                self._failures.pop(_key(crate), None)
                self._rejections.pop(_key(crate), None)

    def check(self, crate: str) -> None:
        """Raise the fault due for an upload of `crate`, spending one injected failure."""
        with self._lock:
            for key in (_key(crate), ANY):
                rejection = self._rejections.get(key)
                if rejection is not None:
                    raise ApiError(rejection.status, rejection.reason)
            for key in (_key(crate), ANY):
                failure = self._failures.get(key)
                if failure is not None and failure.remaining > 0:
                    failure.remaining -= 1
                    if failure.remaining == 0:
                        del self._failures[key]
                    raise ApiError(failure.status, failure.detail)


def _key(crate: str) -> str:
    return crate if crate == ANY else canonical_name(crate)
