"""The registry: where packages are published.

One Protocol, its frozen value types and its error root. Backends are listed in `REGISTRIES`
(`registries/__init__.py`). The registry is the source of truth for what is published: the
publisher asks it first and uploads only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal, Protocol

from release_train.errors import ReleaseTrainError, require

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
class PublishedVersion:
    """One version as the registry's index lists it."""

    name: str
    version: str
    checksum: str  # sha256 hex of the .crate
    yanked: bool = False


@dataclass(frozen=True)
class UploadRequest:
    """Publish package `name` at `version` from the workspace at `workspace` (already verified)."""

    name: str
    version: str
    workspace: Path


class RegistryCapability(StrEnum):
    """What a registry can do beyond reading its index. Each backend declares its set
    (`Registry.capabilities`); the publish planner checks what it needs up front
    (`require_registry`). The value says what it is, for messages."""

    UPLOAD = "upload packages"
    YANK = "yank versions"  # an rc train yanks the earlier rcs of a version it releases


class Registry(Protocol):
    @property
    def capabilities(self) -> frozenset[RegistryCapability]: ...

    @property
    def label(self) -> str:
        """Where packages go, for messages (an index URL)."""
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

    def package(self, workspace: Path, target_dir: Path) -> None:
        """Verify and package every publishable member as this registry will receive it, into
        `target_dir/package/NAME-VERSION.crate` (unpublished siblings resolve from an overlay)."""
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
