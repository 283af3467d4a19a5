"""The registry: where packages are published.

One Protocol, its frozen value types and its error root. Backends are listed in `REGISTRIES`
(`registries/__init__.py`). The registry is the source of truth for what is published: the
publisher asks it first and uploads only what is missing.

A package is uploaded as one or more files, its artefacts: one `.crate` for Cargo, an sdist and
wheels for Python. `package()` builds them and says which they are, with their sha256; the index
lists the files each version has (`PublishedVersion.files`), so what is missing or different is
found by file name (`compare_files`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from release_train.errors import ReleaseTrainError, require
from release_train.values import dataclass, field

if TYPE_CHECKING:
    from release_train.workspaces.interface import Package

Action = Literal["new-crate", "new-version"]


class RegistryError(ReleaseTrainError):
    """Root of registry failures."""

    exit_code = 8


class RateLimited(RegistryError):
    """The registry refused for now; `retry_after` seconds from when it answered, it accepts again."""

    def __init__(self, message: str, retry_after: float, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class Rejected(RegistryError):
    """A permanent refusal (bad metadata, name taken, version exists, bad token): retrying cannot help."""

    def __init__(self, message: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason

    @property
    def already_exists(self) -> bool:
        """The refusal says this version is already there (an upload of an earlier run landed)."""
        text = self.reason.lower()
        return "already exists" in text or "already uploaded" in text


class Unavailable(RegistryError):
    """A transient failure (5xx, connection refused, timeout): the same request may succeed later."""


@dataclass(frozen=True)
class Artefact:
    """One file a package is uploaded as, and the sha256 (hex) of its bytes."""

    path: Path
    sha256: str

    @property
    def filename(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class PublishedVersion:
    """One version as the registry's index lists it."""

    name: str
    version: str
    checksum: str  # sha256 hex of the .crate; "" where a version is several files (Python)
    yanked: bool = False
    files: Mapping[str, str] = field(default_factory=dict)  # file name -> sha256 hex ("" if not given)
    # Some of the files an upload of it makes are missing (a Python version with an sdist and no
    # wheel, or the other way round: an upload cut short between its files).
    partial: bool = False


@dataclass(frozen=True)
class UploadRequest:
    """Publish package `name` at `version` from the workspace at `workspace` (already verified).
    `files` are the artefacts `package()` made for it; a registry whose tool packages again on
    upload (cargo) does not need them."""

    name: str
    version: str
    workspace: Path
    files: tuple[Artefact, ...] = ()


def compare_files(
    ours: Sequence[Artefact], there: PublishedVersion | None
) -> tuple[list[Artefact], list[str]]:
    """What of `ours` the registry lacks, and the clashes: files it has under the same name with
    other bytes (a published file never changes, so those cannot be uploaded)."""
    listed = there.files if there is not None else {}
    missing = [a for a in ours if a.filename not in listed]
    clashes = [
        f"{a.filename}: the index has sha256 {listed[a.filename][:12]}..., ours is {a.sha256[:12]}..."
        for a in ours
        if listed.get(a.filename) and listed[a.filename] != a.sha256
    ]
    return missing, clashes


class RegistryCapability(StrEnum):
    """What a registry can do beyond reading its index. Each backend declares its set
    (`Registry.capabilities`); the publish planner checks what it needs up front
    (`require_registry`); what one package needs is asked of its own registry
    (`Registry.for_package`). The value says what it is, for messages."""

    UPLOAD = "upload packages"
    YANK = "yank versions"  # an rc train yanks the earlier rcs of a version it releases


class Registry(Protocol):
    @property
    def capabilities(self) -> frozenset[RegistryCapability]: ...

    @property
    def label(self) -> str:
        """Where packages go, for messages (an index URL)."""
        ...

    def for_package(self, name: str) -> Registry:
        """The registry package `name` goes to: this one, or the one a routing registry sends it
        to. What one package needs beyond uploads (a yank) is asked of it: its capabilities and
        its label are that package's registry's."""
        ...

    def versions(self, name: str) -> dict[str, PublishedVersion]:
        """Every version of `name` the index lists (yanked ones included); empty for a new crate."""
        ...

    def publish(self, request: UploadRequest) -> None:
        """Upload one package. Raises `RateLimited`, `Rejected` or `Unavailable`."""
        ...

    def is_visible(self, name: str, version: str) -> bool:
        """True once the index serves `name` `version` (what dependents resolve against)."""
        ...

    def yank(self, name: str, version: str) -> None:
        """Mark a version yanked; yanking a yanked version is a no-op."""
        ...

    def package(
        self, workspace: Path, target_dir: Path, packages: Sequence[Package]
    ) -> dict[str, tuple[Artefact, ...]]:
        """Verify and package `packages` (members of the workspace at `workspace`, in publish
        order) as this registry will receive them, under `target_dir`; the artefacts of each, by
        package name. Cargo: `target_dir/package/NAME-VERSION.crate` (unpublished siblings
        resolve from an overlay); Python: an sdist and a wheel each."""
        ...


# The CLI opens the registry (with its token) and hands flows this: called when a registry is
# needed, it raises what is wrong with the configuration then, so work that needs none goes on.
RegistryFactory = Callable[[], Registry]


def no_registry() -> Registry:
    """The factory of a caller that gave none."""
    from release_train.errors import ConfigError

    raise ConfigError(
        "no registry was given to read from or publish to",
        hint="the CLI opens the one [publish] names; a caller of the flows passes a RegistryFactory",
    )


def require_registry(registry: Registry, *needed: RegistryCapability, needed_by: str) -> None:
    """Refuse with `CapabilityMissing` unless `registry` can do all of `needed`."""
    require(registry.capabilities, needed, backend=f"the registry {registry.label}", needed_by=needed_by)
