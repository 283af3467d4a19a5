"""The Cargo registry adapter: crates.io, or any registry speaking Cargo's protocols (the bundled
local server is this same adapter pointed at its URL).

Uploads go through the real `cargo publish -p NAME --no-verify` (the workspace was verified once
before), so what lands in the registry is exactly what cargo would publish. What is published,
and whether a version is visible yet, is read from the sparse index over HTTP: the index is what
dependents resolve against, so it is what we wait for, not the web API.

For a registry other than crates.io, cargo is pointed at it through environment variables and
crates.io is replaced by it, so the workspace's plain `path` + `version` dependencies resolve
there without any edit to the manifests.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_train.errors import RefusedError
from release_train.infra import proc
from release_train.infra.clock import Clock, SystemClock
from release_train.registries.interface import (
    Artefact,
    PublishedVersion,
    RateLimited,
    RegistryCapability,
    Rejected,
    Unavailable,
    UploadRequest,
)
from release_train.registries.local_cargo.index import index_path  # the sparse-index layout
from release_train.registries.shared_client import SharedClient

if TYPE_CHECKING:
    import httpx

    from release_train.workspaces.interface import Package

CRATES_IO_INDEX = "sparse+https://index.crates.io/"
REGISTRY_NAME = "release-train"  # the name cargo knows a non-crates.io target by
_STATUS = re.compile(r"status (\d{3})")
_TRY_AGAIN = re.compile(r"try again after ([A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT)")
_SECONDS = re.compile(r"retry[- ]after[: ]+(\d+(?:\.\d+)?)\s*s", re.IGNORECASE)
_TRANSIENT = (
    "couldn't connect",
    "failed to connect",
    "connection refused",
    "timed out",
    "connection reset",
    "spurious network error",
)


class CargoRegistry:
    """A Cargo registry at `index` (`sparse+https://...`). `token` is never logged or shown."""

    capabilities: frozenset[RegistryCapability] = frozenset(RegistryCapability)  # cargo does both

    def __init__(
        self, index: str, token: str | None, *, clock: Clock | None = None, timeout: float = 600.0
    ) -> None:
        if not index.startswith("sparse+"):
            raise Rejected(
                f"the index {index!r} is not a sparse index",
                "unsupported index protocol",
                hint="set [publish] index to a `sparse+http(s)://.../` URL",
            )
        self.index = index if index.endswith("/") else index + "/"
        self.token = token
        self.clock: Clock = clock or SystemClock()
        self.timeout = timeout  # one `cargo publish` (it waits up to 60 s for the index itself)
        self._send_token = False  # set after a 401: only authenticated registries get the token
        self._client = SharedClient(timeout=30.0, headers={"Cache-Control": "no-cache"})

    @property
    def label(self) -> str:
        return self.index

    @property
    def is_crates_io(self) -> bool:
        return self.index == CRATES_IO_INDEX

    # --- cargo ---------------------------------------------------------------------------------
    def _cargo_env(self) -> dict[str, str]:
        if self.is_crates_io:
            return {"CARGO_REGISTRY_TOKEN": self.token} if self.token else {}
        from release_train.registries.local_cargo.cargo_config import cargo_env

        return cargo_env(self.index, self.token, registry=REGISTRY_NAME)

    def _cargo(self, *args: str) -> list[str]:
        """`cargo ARGS`, pointed at this registry; crates.io itself needs no configuration."""
        if self.is_crates_io:
            return ["cargo", *args]
        from release_train.registries.local_cargo.cargo_config import cargo_config_args

        # The source replacement cannot be given through the environment on stable cargo.
        config = cargo_config_args(self.index, replace_crates_io=True, registry=REGISTRY_NAME)
        return ["cargo", *config, *args, "--registry", REGISTRY_NAME]

    def publish(self, request: UploadRequest) -> None:
        done = proc.run(
            self._cargo("publish", "-p", request.name, "--no-verify"),
            cwd=request.workspace,
            env=self._cargo_env(),
            check=False,
            timeout=self.timeout,
            secrets=[self.token or ""],
        )
        if done.returncode != 0:
            raise self._classify(f"{request.name} {request.version}", done.stderr or done.stdout)

    def package(
        self, workspace: Path, target_dir: Path, packages: Sequence[Package]
    ) -> dict[str, tuple[Artefact, ...]]:
        done = proc.run(
            self._cargo("package", "--workspace", "--target-dir", str(target_dir)),
            cwd=workspace,
            env=self._cargo_env(),
            check=False,
            timeout=self.timeout * 3,
            secrets=[self.token or ""],
        )
        if done.returncode != 0:
            output = _mask((done.stderr or done.stdout).strip(), self.token)
            raise RefusedError(
                f"verification failed: `cargo package --workspace` exited {done.returncode}:\n{output}",
                hint="fix what cargo names, commit, tag again if needed; nothing was uploaded",
            )
        found: dict[str, tuple[Artefact, ...]] = {}
        for pkg in packages:
            path = target_dir / "package" / f"{pkg.name}-{pkg.version}.crate"
            if path.is_file():
                found[pkg.name] = (Artefact(path, hashlib.sha256(path.read_bytes()).hexdigest()),)
        return found

    def for_package(self, name: str) -> CargoRegistry:
        return self

    def yank(self, name: str, version: str) -> None:
        done = proc.run(
            self._cargo("yank", name, "--version", version),
            env=self._cargo_env(),
            check=False,
            timeout=120,
            secrets=[self.token or ""],
        )
        if done.returncode != 0:
            raise self._classify(f"yank {name} {version}", done.stderr or done.stdout)

    def _classify(self, what: str, output: str) -> Rejected | RateLimited | Unavailable:
        """Turn cargo's error output into the registry error it reports."""
        text = _mask(output.strip(), self.token)
        detail = _detail(text)
        status = int(m[1]) if (m := _STATUS.search(text)) else None
        if status == 429:
            wait = self._retry_after(text)
            return RateLimited(f"{what}: rate limited by {self.index}: {detail}", wait)
        if (status is not None and status >= 500) or any(t in text.lower() for t in _TRANSIENT):
            return Unavailable(f"{what}: {self.index} is unavailable: {detail}")
        return Rejected(
            f"{what}: rejected by {self.index}: {detail}",
            detail,
            hint="fix what the registry names",
        )

    def _retry_after(self, text: str) -> float:
        """Seconds until the registry accepts again. crates.io gives an HTTP date with whole
        seconds; the wait is rounded up so that we never come back early."""
        if m := _SECONDS.search(text):
            return float(m[1])
        if m := _TRY_AGAIN.search(text):
            when = parsedate_to_datetime(m[1])
            # The date is truncated to the second: the true time lies within the second after it.
            return max(0.0, (when - self.clock.now()).total_seconds() + 1.0)
        return 60.0  # no time given: one refill interval of crates.io's version bucket

    # --- the sparse index ----------------------------------------------------------------------
    def _get(self, url: str) -> httpx.Response:
        import httpx

        headers = {"Authorization": self.token} if self._send_token and self.token else {}
        try:
            try:
                response = self._client().get(url, headers=headers)
            except httpx.TransportError:
                # A kept-alive connection the server closed just then: one fresh attempt.
                response = self._client().get(url, headers=headers)
            if response.status_code == 401 and self.token and not self._send_token:
                self._send_token = True
                return self._get(url)
        except httpx.HTTPError as exc:
            raise Unavailable(f"cannot read the index at {url}: {exc}") from exc
        if response.status_code >= 500:
            raise Unavailable(f"the index at {url} answered {response.status_code}")
        return response

    def versions(self, name: str) -> dict[str, PublishedVersion]:
        base = self.index.removeprefix("sparse+")
        response = self._get(base + index_path(name))
        if response.status_code in (404, 410, 451):
            return {}
        if response.status_code != 200:
            raise Unavailable(f"the index answered {response.status_code} for {name}")
        found: dict[str, PublishedVersion] = {}
        for line in response.text.splitlines():
            if line.strip():
                entry: Mapping[str, Any] = json.loads(line)
                version = str(entry["vers"])
                crate, checksum = str(entry["name"]), str(entry.get("cksum", ""))
                found[version] = PublishedVersion(
                    crate,
                    version,
                    checksum,
                    bool(entry.get("yanked")),
                    {f"{crate}-{version}.crate": checksum},
                )
        return found

    def is_visible(self, name: str, version: str) -> bool:
        core = version.split("+", 1)[0]
        return any(v.split("+", 1)[0] == core for v in self.versions(name))


def _detail(text: str) -> str:
    """The useful part of cargo's error: the server's detail when there is one, else the last lines."""
    for marker in ("responded with an error", "error: "):
        index = text.rfind(marker)
        if index >= 0:
            tail = text[index:].split(":", 1)[-1].strip()
            if tail:
                return " ".join(tail.split())
    return " ".join(text.splitlines()[-3:])


def _mask(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text
