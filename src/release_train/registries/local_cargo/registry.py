"""The registry's behaviour, independent of HTTP: accept uploads, yank, answer the index and the
web API, enforce the token, the rate limits, the index delay and the injected faults.

Methods return JSON-able values or bytes and raise `ApiError` for an error answer; `server.py`
only translates HTTP requests into these calls.
"""

from __future__ import annotations

import hmac
import math
import threading
from collections import deque
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any, NamedTuple

from release_train.infra.clock import Clock, SystemClock
from release_train.registries.local_cargo.faults import Faults
from release_train.registries.local_cargo.index import (
    ApiError,
    check_metadata,
    check_name,
    check_version,
    index_entry,
    parse_publish_body,
)
from release_train.registries.local_cargo.limits import NEW_CRATE, NEW_VERSION, Limits, RateLimiter
from release_train.registries.local_cargo.storage import Storage, sha256_hex

OK_WARNINGS: dict[str, Any] = {"warnings": {"invalid_categories": [], "invalid_badges": [], "other": []}}

_TOO_MANY = {
    NEW_CRATE: "You have published too many new crates in a short period of time.",
    NEW_VERSION: "You have published too many updates to existing crates in a short period of time.",
}


UPLOAD_LOG_SIZE = 100_000


class UploadAttempt(NamedTuple):
    """One `PUT /api/v1/crates/new` as the registry saw it (for assertions and benchmarks)."""

    time: float  # the registry clock's monotonic seconds
    crate: str
    version: str
    status: int


class Registry:
    def __init__(
        self,
        data_dir: Path,
        *,
        token: str | None = None,
        limits: Limits | None = None,
        time_scale: float = 1.0,
        index_delay: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        self.storage = Storage(data_dir)
        self.token = token
        self.limiter = RateLimiter(limits, time_scale)
        self.time_scale = time_scale
        # configured in simulated seconds, like the limits
        self.index_delay = index_delay
        self.clock: Clock = clock or SystemClock()
        self.faults = Faults()
        # The latest attempts (bounded: a server that runs for months must not grow without end).
        self.upload_log: deque[UploadAttempt] = deque(maxlen=UPLOAD_LOG_SIZE)
        self._publish_lock = threading.Lock()

    # ----- auth

    def authorize(self, header: str | None) -> None:
        """Cargo sends the raw token in `Authorization` (no "Bearer")."""
        if self.token is None:
            return
        if not header:
            raise ApiError(403, "this action requires authentication: send the registry token")
        if not hmac.compare_digest(header.strip().encode(), self.token.encode()):
            raise ApiError(403, "authentication failed: the token is not valid for this registry")

    # ----- publishing

    def publish(self, authorization: str | None, body: bytes) -> dict[str, Any]:
        """Accept one upload; the index line is stored before this returns (cargo polls next)."""
        upload = parse_publish_body(body)
        status = 200
        try:
            with self._publish_lock:
                self.authorize(authorization)
                self._accept(upload.metadata, upload.crate)
        except ApiError as exc:
            status = exc.status
            raise
        finally:
            self.upload_log.append(UploadAttempt(self.clock.monotonic(), upload.name, upload.version, status))
        return OK_WARNINGS

    def _accept(self, metadata: dict[str, Any], crate: bytes) -> None:
        check_metadata(metadata)
        name, version = metadata["name"], metadata["vers"]
        self.faults.check(name)
        existing = self.storage.exact_name(name)
        if existing is not None and existing != name:
            raise ApiError(
                400,
                f"crate `{name}` clashes with the existing crate `{existing}`: names that differ "
                f"only by case or by `-`/`_` are the same crate; publish it as `{existing}`",
            )
        if self.storage.find(name, version) is not None:
            raise ApiError(409, f"crate version `{version}` of `{name}` is already uploaded")
        action = NEW_VERSION if existing is not None else NEW_CRATE
        now = self.clock.monotonic()
        wait = self.limiter.take(action, now)
        if wait > 0:
            raise self._rate_limited(action, wait)
        cksum = sha256_hex(crate)
        pubtime = self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        visible_at = now + self.index_delay / self.time_scale
        self.storage.add(index_entry(metadata, cksum, pubtime), crate, visible_at)

    def _rate_limited(self, action: str, wait: float) -> ApiError:
        after = self.clock.now() + timedelta(seconds=wait)
        when = format_datetime(after.replace(microsecond=0), usegmt=True)
        detail = (
            f"{_TOO_MANY[action]} Please try again after {when} "
            "or email help@crates.io to have your limit increased."
        )
        headers = {
            # HTTP wants whole seconds; the precise (time-scaled) figure is in the second header.
            "Retry-After": str(max(1, math.ceil(wait))),
            "X-Retry-After-Seconds": f"{wait:.3f}",
        }
        return ApiError(429, detail, headers)

    def yank(self, authorization: str | None, name: str, version: str, yanked: bool) -> dict[str, Any]:
        self.authorize(authorization)
        check_name(name)
        check_version(version)
        if not self.storage.set_yanked(name, version, yanked):
            raise ApiError(404, f"crate `{name}` does not have a version `{version}`")
        return {"ok": True}

    # ----- reading

    def config_json(self, base_url: str) -> dict[str, Any]:
        return {"dl": f"{base_url}/api/v1/crates", "api": base_url, "auth-required": False}

    def index_file(self, lower_name: str) -> bytes | None:
        return self.storage.index_file(lower_name, self.clock.monotonic())

    def is_visible(self, name: str, version: str) -> bool:
        return self.storage.is_visible(name, version, self.clock.monotonic())

    def download(self, name: str, version: str) -> bytes:
        check_name(name)
        check_version(version)
        data = self.storage.crate_file(name, version)
        if data is None:
            raise ApiError(404, f"crate `{name}` does not have a version `{version}`")
        return data

    def crate_info(self, name: str) -> dict[str, Any]:
        """`GET /api/v1/crates/{name}`: every stored version, visible in the index or not yet."""
        check_name(name)
        entries = self.storage.entries(name)
        if not entries:
            raise ApiError(404, f"crate `{name}` does not exist")
        versions = [
            {
                "num": e["vers"],
                "yanked": e["yanked"],
                "checksum": e["cksum"],
                "created_at": e.get("pubtime"),
                "dl_path": f"/api/v1/crates/{e['name']}/{e['vers']}/download",
            }
            for e in reversed(entries)
        ]
        crate = {"name": entries[0]["name"], "newest_version": entries[-1]["vers"]}
        return {"crate": crate, "versions": versions}

    def published(self) -> dict[str, list[str]]:
        return self.storage.published()
