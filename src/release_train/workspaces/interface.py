"""The workspace family: its value types, its Protocol and its error root.

A workspace kind (Cargo today) reads a repository into `Package`s and `Dependency`s and knows how
to rewrite its own manifests for a version bump. The graph questions (publish order, layers,
cycles) are answered here, the same for every kind.

The value types are `Record`s, not dataclasses: a `bump` creates thousands and must start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from release_train.errors import WorkspaceError
from release_train.model.record import Record

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from release_train.config import Settings, WorkspaceSettings
    from release_train.infra.confine import Files
    from release_train.model.version import Operation, Version

__all__ = [
    "BumpEdits",
    "Dependency",
    "DependencyKind",
    "Package",
    "Problem",
    "VersionFromElsewhere",
    "Workspace",
    "WorkspaceError",
    "WorkspaceKind",
]

# "optional": a Python extra (`[project.optional-dependencies]`); Python allows cycles through them
DependencyKind = Literal["normal", "dev", "build", "optional"]


class VersionFromElsewhere(WorkspaceError):
    """`[project] version-from` names no package of this workspace: with several `[[workspace]]`
    entries it may name one of another (workspaces/composite.py), so this one is read without it."""


class Dependency(Record):
    __slots__ = FIELDS = ("name", "key", "kind", "req", "target", "first_party")
    name: str  # the real package name (after a `package = "..."` rename)
    key: str  # the key as written in the manifest (the alias)
    kind: DependencyKind
    req: str | None  # None for path-only or `workspace = true` entries
    target: str | None  # `cfg(...)` of a `[target.'...'.dependencies]` table
    first_party: bool  # resolves to a member of this workspace (by `path`)

    def __init__(
        self,
        name: str,
        key: str,
        kind: DependencyKind,
        req: str | None,
        target: str | None,
        first_party: bool,
    ) -> None:
        # each field set directly: `Record._init`'s loop costs more, and a large workspace has
        # tens of thousands of dependencies (bench/bump.py)
        setattr_ = object.__setattr__
        setattr_(self, "name", name)
        setattr_(self, "key", key)
        setattr_(self, "kind", kind)
        setattr_(self, "req", req)
        setattr_(self, "target", target)
        setattr_(self, "first_party", first_party)


class Package(Record):
    __slots__ = FIELDS = (
        "name",
        "directory",
        "manifest",
        "version",
        "publish",
        "public",
        "dependencies",
        "inherits_version",
        "major_rule",
        "version_source",
    )
    name: str
    directory: Path
    manifest: Path
    version: Version
    publish: bool
    public: bool
    dependencies: tuple[Dependency, ...]
    inherits_version: bool  # the version comes from the workspace (`version.workspace = true`)
    major_rule: str  # what the train's `major` does to it: "major", "minor", "patch" or "none"
    # where the version is written when not in the manifest's own field: "" (there), "the tag"
    # (left to the tag: hatch-vcs, setuptools-scm), or the file holding it ("src/pkg/__init__.py")
    version_source: str

    def __init__(
        self,
        name: str,
        directory: Path,
        manifest: Path,
        version: Version,
        publish: bool,
        public: bool,
        dependencies: tuple[Dependency, ...] = (),
        inherits_version: bool = False,
        major_rule: str = "major",
        version_source: str = "",
    ) -> None:
        setattr_ = object.__setattr__  # as Dependency: set directly
        setattr_(self, "name", name)
        setattr_(self, "directory", directory)
        setattr_(self, "manifest", manifest)
        setattr_(self, "version", version)
        setattr_(self, "publish", publish)
        setattr_(self, "public", public)
        setattr_(self, "dependencies", dependencies)
        setattr_(self, "inherits_version", inherits_version)
        setattr_(self, "major_rule", major_rule)
        setattr_(self, "version_source", version_source)

    def replace(self, **changes: Any) -> Package:
        """A copy with some fields changed (as `dataclasses.replace`)."""
        values = {name: getattr(self, name) for name in self.FIELDS}
        values.update(changes)
        return Package(**values)

    @property
    def on_major(self) -> str:
        """What the train's `major` does to this package: "major", "minor", "patch" or "none"
        (its `[[workspace.rule]]`; "none" for an unpublished package with a version of its own,
        which keeps it)."""
        return "none" if not self.publish and not self.inherits_version else self.major_rule

    def ordering_deps(self) -> set[str]:
        """First-party packages that must be published before this one (dev-deps and Python
        extras do not order)."""
        return {d.name for d in self.dependencies if d.first_party and d.kind in ("normal", "build")}


class Problem(Record):
    """One finding: where it is, what is wrong, and the fix."""

    __slots__ = FIELDS = ("file", "line", "message", "fix")
    file: Path
    line: int
    message: str
    fix: str

    def __init__(self, file: Path, line: int, message: str, fix: str) -> None:
        self._init(file, line, message, fix)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.message} (fix: {self.fix})"


def workspace_root(settings: Settings, config: WorkspaceSettings) -> tuple[Files, Path]:
    """Where a workspace kind reads files, and the directory `[[workspace]] path` names there
    (links resolved; refused unless inside the repository)."""
    from pathlib import Path

    files = settings.files()
    where = files.resolve(
        str(settings.root / config.path),
        "[[workspace]] path",
        "point [[workspace]] path at a directory inside the repository",
    )
    return files, Path(where)


def read_manifest_bytes(files: Files, path: Path | str, hint: str) -> bytes:
    """A manifest's bytes, read where `files` has checked; an unreadable one is a `WorkspaceError`
    with `hint` (where the kind found the manifest's directory). A caller holding the path as a
    string passes it as one: a large workspace reads thousands (bench/bump.py)."""
    try:
        return files.read(str(path))
    except OSError as exc:
        raise WorkspaceError(f"cannot read {path}: {exc.strerror}", hint=hint) from exc


def raise_problems(problems: list[Problem], summary: str) -> None:
    """Raise one `WorkspaceError` listing every problem (nothing has been written yet)."""
    if not problems:
        return
    listed = "\n".join(f"  {p}" for p in problems[:50])
    more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
    raise WorkspaceError(f"{summary}:\n{listed}{more}", hint=problems[0].fix)


class BumpEdits(Record):
    """What a workspace kind computes for one version operation; nothing is written."""

    __slots__ = FIELDS = ("files", "lines", "old_train", "new_train", "new_versions", "problems")
    files: dict[Path, bytes]
    # (label, old, new) per version line: "workspace" for the shared version, else the names of the
    # packages that move alike ("a, b and 3 more"); under `major`, packages a [[workspace.rule]]
    # moves are their own line, labelled "names (rule: minor)"
    lines: list[tuple[str, str, str]]
    old_train: Version
    new_train: Version
    new_versions: Mapping[str, Version]  # package name -> version after the bump
    problems: list[Problem]  # the caller raises them, with its own

    def __init__(
        self,
        files: dict[Path, bytes],
        lines: list[tuple[str, str, str]],
        old_train: Version,
        new_train: Version,
        new_versions: Mapping[str, Version],
        problems: list[Problem] | None = None,
    ) -> None:
        self._init(files, lines, old_train, new_train, new_versions, [] if problems is None else problems)


class Workspace(Record):
    """Every member of one workspace. Subclasses (one per kind) keep what they need to rewrite:
    they extend `FIELDS` (and `__slots__`) and `__init__`."""

    __slots__ = ("_by_name", "_layers", "files", "packages", "root", "train_version")
    FIELDS: ClassVar[tuple[str, ...]] = ("root", "packages", "train_version", "files")
    root: Path
    packages: tuple[Package, ...]
    train_version: Version
    files: Files  # where it was read: the disk, or a commit's tree (infra/confine.py)
    _by_name: dict[str, Package]
    _layers: list[list[Package]] | None

    def __init__(
        self, root: Path, packages: tuple[Package, ...], train_version: Version, files: Files
    ) -> None:
        # not `_init`: a subclass's FIELDS are longer; it sets its own fields after this
        for name, value in zip(Workspace.FIELDS, (root, packages, train_version, files), strict=True):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_by_name", {p.name: p for p in packages})
        object.__setattr__(self, "_layers", None)

    def spell(self, version: Version) -> str:
        """`version` as this ecosystem writes it (Python: PEP 440's `2.0.0rc1`, not `2.0.0-rc.1`)."""
        return str(version)

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

    def spelled(self, package: Package, version: Version | None = None) -> str:
        """The package's version (or `version`) as its ecosystem writes it: the registry lists it
        so (a Python distribution's 2.0.0rc1)."""
        return self.spell(package.version if version is None else version)

    def parts(self) -> tuple[Workspace, ...]:
        """The workspaces of one kind this one is made of: itself, or each `[[workspace]]` entry's
        (workspaces/composite.py). Kind-specific checks and registries look at the parts."""
        return (self,)

    def part_of(self, name: str) -> Workspace:
        """The part holding package `name`."""
        self.package(name)
        return self

    def publishable(self) -> list[Package]:
        return [p for p in self.packages if p.publish]

    def layers(self) -> list[list[Package]]:
        """Publishable packages in layers: every first-party normal/build dependency of a package
        sits in an earlier layer. Names are sorted within a layer, so the result is deterministic."""
        from release_train.workspaces.graph import layers

        found = self._layers
        if found is None:  # asked by every check and by the flow: the packages never change
            found = layers(self)
            object.__setattr__(self, "_layers", found)
        return [list(layer) for layer in found]

    def publish_order(self) -> list[Package]:
        """Publishable packages, dependencies first: the layers one after another."""
        return [p for layer in self.layers() for p in layer]

    def bump(self, op: Operation, *, rc_train: bool) -> BumpEdits:
        raise NotImplementedError


class WorkspaceKind(Protocol):
    """One ecosystem (Cargo, Python). Listed in `WORKSPACES` in `workspaces/__init__.py`."""

    def load(self, settings: Settings, config: WorkspaceSettings) -> Workspace:
        """Read every member; raise `WorkspaceError` on a malformed manifest or a broken invariant."""
        ...
