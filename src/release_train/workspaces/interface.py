"""The workspace family: its value types, its Protocol and its error root.

A workspace kind (Cargo today) reads a repository into `Package`s and `Dependency`s and knows how
to rewrite its own manifests for a version bump. The graph questions (publish order, layers,
cycles) are answered here, the same for every kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from release_train.config import Settings, WorkspaceSettings
from release_train.errors import WorkspaceError
from release_train.model.version import Operation, Version

__all__ = [
    "BumpEdits",
    "Dependency",
    "DependencyKind",
    "Package",
    "Problem",
    "Workspace",
    "WorkspaceError",
    "WorkspaceKind",
]

DependencyKind = Literal["normal", "dev", "build"]


@dataclass(frozen=True)
class Dependency:
    name: str  # the real package name (after a `package = "..."` rename)
    key: str  # the key as written in the manifest (the alias)
    kind: DependencyKind
    req: str | None  # None for path-only or `workspace = true` entries
    target: str | None  # `cfg(...)` of a `[target.'...'.dependencies]` table
    first_party: bool  # resolves to a member of this workspace (by `path`)


@dataclass(frozen=True)
class Package:
    name: str
    directory: Path
    manifest: Path
    version: Version
    publish: bool
    public: bool
    dependencies: tuple[Dependency, ...] = ()
    inherits_version: bool = False  # the version comes from the workspace (`version.workspace = true`)

    def ordering_deps(self) -> set[str]:
        """First-party packages that must be published before this one (dev-deps do not order)."""
        return {d.name for d in self.dependencies if d.first_party and d.kind != "dev"}


@dataclass(frozen=True)
class Problem:
    """One finding: where it is, what is wrong, and the fix."""

    file: Path
    line: int
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.message} (fix: {self.fix})"


def raise_problems(problems: list[Problem], summary: str) -> None:
    """Raise one `WorkspaceError` listing every problem (nothing has been written yet)."""
    if not problems:
        return
    listed = "\n".join(f"  {p}" for p in problems[:50])
    more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
    raise WorkspaceError(f"{summary}:\n{listed}{more}", hint=problems[0].fix)


@dataclass(frozen=True)
class BumpEdits:
    """What a workspace kind computes for one version operation; nothing is written."""

    files: dict[Path, bytes]
    lines: list[tuple[str, str, str]]  # (version line label, old, new)
    old_train: Version
    new_train: Version
    new_versions: Mapping[str, Version]  # package name -> version after the bump
    problems: list[Problem] = field(default_factory=list)  # the caller raises them, with its own


@dataclass(frozen=True)
class Workspace:
    """Every member of one workspace. Subclasses (one per kind) keep what they need to rewrite."""

    root: Path
    packages: tuple[Package, ...]
    train_version: Version
    _by_name: dict[str, Package] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update((p.name, p) for p in self.packages)

    def package(self, name: str) -> Package:
        try:
            return self._by_name[name]
        except KeyError:
            raise WorkspaceError(
                f"no package named {name!r} in the workspace at {self.root}",
                hint="run `release-train packages` to list the members",
            ) from None

    def has(self, name: str) -> bool:
        return name in self._by_name

    def publishable(self) -> list[Package]:
        return [p for p in self.packages if p.publish]

    def layers(self) -> list[list[Package]]:
        """Publishable packages in layers: every first-party normal/build dependency of a package
        sits in an earlier layer. Names are sorted within a layer, so the result is deterministic."""
        from release_train.workspaces.graph import layers

        return layers(self)

    def publish_order(self) -> list[Package]:
        """Publishable packages, dependencies first: the layers one after another."""
        return [p for layer in self.layers() for p in layer]

    def bump(self, op: Operation, *, rc_train: bool) -> BumpEdits:
        raise NotImplementedError


class WorkspaceKind(Protocol):
    """One ecosystem (Cargo, later Python). Listed in `WORKSPACES` in `workspaces/__init__.py`."""

    def load(self, settings: Settings, config: WorkspaceSettings) -> Workspace:
        """Read every member; raise `WorkspaceError` on a malformed manifest or a broken invariant."""
        ...
