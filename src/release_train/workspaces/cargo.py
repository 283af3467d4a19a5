"""The Cargo workspace: members (found by `cargo_members.py`), packages, dependencies and the
train version. No network, no `cargo` call."""

from __future__ import annotations

import fnmatch
import functools
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

from release_train.config import Settings, WorkspaceSettings
from release_train.errors import WorkspaceError
from release_train.infra.confine import Files
from release_train.model.version import Operation, Version
from release_train.workspaces.cargo_manifest import (
    WORKSPACE_DEPS,
    Entry,
    Manifest,
    parse_version,
    read_manifest,
)
from release_train.workspaces.cargo_members import find_members
from release_train.workspaces.interface import (
    BumpEdits,
    Dependency,
    Package,
    Problem,
    VersionFromElsewhere,
    Workspace,
    raise_problems,
    workspace_root,
)
from release_train.workspaces.toml_doc import Str

if TYPE_CHECKING:
    from collections.abc import Callable


class CargoWorkspace(Workspace):
    __slots__ = ("manifests", "member_manifest", "public_globs", "root_manifest", "train_source")
    FIELDS = (
        *Workspace.FIELDS,
        "root_manifest",
        "manifests",
        "member_manifest",
        "public_globs",
        "train_source",
    )
    root_manifest: Manifest | None
    manifests: tuple[Manifest, ...]  # the root first, then each member's (root not repeated)
    member_manifest: dict[str, Manifest]
    public_globs: tuple[str, ...]
    train_source: str  # [project] version-from; empty: [workspace.package] version

    def __init__(
        self,
        root: Path,
        packages: tuple[Package, ...],
        train_version: Version,
        files: Files,
        root_manifest: Manifest | None = None,
        manifests: tuple[Manifest, ...] = (),
        member_manifest: dict[str, Manifest] | None = None,
        public_globs: tuple[str, ...] = (),
        train_source: str = "",
    ) -> None:
        super().__init__(root, packages, train_version, files)
        own = (root_manifest, manifests, member_manifest or {}, public_globs, train_source)
        for name, value in zip(self.FIELDS[len(Workspace.FIELDS) :], own, strict=True):
            object.__setattr__(self, name, value)

    @property
    def lock_path(self) -> Path:
        return self.root / "Cargo.lock"

    def bump(self, op: Operation, *, rc_train: bool) -> BumpEdits:
        from release_train.workspaces.cargo_bump import bump_workspace

        return bump_workspace(self, op, rc_train=rc_train)


class CargoKind:
    """The `cargo` entry of `WORKSPACES`."""

    def load(self, settings: Settings, config: WorkspaceSettings) -> Workspace:
        if config.members is not None:
            raise WorkspaceError(
                '[[workspace]] members is for kind = "python"; a Cargo workspace lists its members '
                "in Cargo.toml",
                hint="remove members from the [[workspace]] entry, or list them under [workspace] members in Cargo.toml",
            )
        return load_cargo(settings, config)


def load_cargo(settings: Settings, config: WorkspaceSettings) -> CargoWorkspace:
    confined, root = workspace_root(settings, config)
    root_manifest = read_manifest(root / "Cargo.toml", confined)
    ws_table = root_manifest.workspace_table()
    if ws_table is None:
        raise WorkspaceError(
            f"{root_manifest.path} has no [workspace] table",
            hint="point [[workspace]] path at the directory whose Cargo.toml holds [workspace]",
        )
    manifests = find_members(root, root_manifest, ws_table, confined)
    ws_version = root_manifest.workspace_package_version()
    ws_publish = _workspace_publish(root_manifest)
    members = [m for m in manifests if m.package_table() is not None]
    dirs = {m.dir: m for m in members}
    ws_entries = {e.key: e for e in root_manifest.entries if e.table == WORKSPACE_DEPS}
    is_public = _globs_regex(tuple(config.public)).match
    packages = tuple(
        [_package(m, root_manifest, ws_version, ws_publish, dirs, is_public, ws_entries) for m in members]
    )
    if config.rule:
        from release_train.workspaces.rules import apply_rules

        packages = apply_rules(packages, config, settings)
    by_name = {p.name: m for p, m in zip(packages, members, strict=True)}
    _check_duplicates(packages)
    train = _train_version(settings, root_manifest, ws_version, packages)
    ws = CargoWorkspace(
        root=root,
        packages=packages,
        train_version=train,
        files=confined,
        root_manifest=root_manifest,
        manifests=tuple(manifests),
        member_manifest=by_name,
        public_globs=tuple(config.public),
        train_source=settings.project.version_from,
    )
    _check_allow_list(ws, config, settings)
    from release_train.workspaces.graph import check_acyclic

    check_acyclic(ws)
    return ws


def _workspace_publish(root_manifest: Manifest) -> bool:
    package = (root_manifest.workspace_table() or {}).get("package")
    value = package.get("publish") if isinstance(package, dict) else None
    return not (value is False or value == [])


def _package(
    m: Manifest,
    root_manifest: Manifest,
    ws_version: Str | None,
    ws_publish: bool,
    dirs: dict[str, Manifest],
    is_public: Callable[[str], object],
    ws_entries: dict[str, Entry],
) -> Package:
    name = m.name()
    table = m.package_table() or {}
    inherits = _inherits(table.get("version"))
    literal = None
    if inherits:
        if ws_version is None:
            raise WorkspaceError(
                f"{m.path}: version.workspace = true but {root_manifest.path} has no [workspace.package] version",
                hint='add version = "..." under [workspace.package] in the root Cargo.toml',
            )
        version = parse_version(root_manifest.path, ws_version)
    else:
        literal = m.literal_version()
        version = parse_version(m.path, literal) if literal else Version(0, 0, 0)
    publish_value = table.get("publish")
    publish = ws_publish if _inherits(publish_value) else not (publish_value is False or publish_value == [])
    if not inherits and literal is None:
        publish = False  # Cargo: a package without a version is never published
    deps = tuple([_dependency(e, ws_entries, dirs) for e in m.entries if e.table != WORKSPACE_DEPS])
    public = is_public(name) is not None
    return Package(name, m.directory, m.path, version, publish, public, deps, inherits)


def _inherits(value: object) -> bool:
    """`key.workspace = true` (as `Manifest.inherits`, on a value already looked up)."""
    return isinstance(value, dict) and value.get("workspace") is True


@functools.cache
def _globs_regex(globs: tuple[str, ...]) -> re.Pattern[str]:
    # one match per package instead of one per glob (fnmatchcase's own translation)
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs) or "(?!)")


def _dependency(e: Entry, ws_entries: dict[str, Entry], dirs: dict[str, Manifest]) -> Dependency:
    name, directory = e.name, e.dir
    if directory is None and e.workspace and e.key in ws_entries:
        inherited = ws_entries[e.key]
        name, directory = inherited.name, inherited.dir
    return Dependency(
        name,
        e.key,
        e.kind,
        e.version.value if e.version else None,
        e.target,
        directory is not None and directory in dirs,
    )


def _check_duplicates(packages: tuple[Package, ...]) -> None:
    seen: dict[str, Package] = {}
    for p in packages:
        if p.name in seen:
            raise WorkspaceError(
                f"two members are named {p.name!r}: {seen[p.name].manifest} and {p.manifest}",
                hint="rename one of them or exclude it from the workspace",
            )
        seen[p.name] = p


def _train_version(
    settings: Settings, root_manifest: Manifest, ws_version: Str | None, packages: tuple[Package, ...]
) -> Version:
    source = settings.project.version_from
    if source:
        for p in packages:
            if p.name == source:
                return p.version
        raise VersionFromElsewhere(
            f"[project] version-from names {source!r}, which is not a member of the workspace",
            hint="set version-from to a package listed by `release-train packages`",
        )
    if ws_version is None:
        raise WorkspaceError(
            f"{root_manifest.path} has no [workspace.package] version to take the train version from",
            hint='add version = "..." under [workspace.package], or set [project] version-from = "<package>"',
        )
    return parse_version(root_manifest.path, ws_version)


def _check_allow_list(ws: CargoWorkspace, config: WorkspaceSettings, settings: Settings) -> None:
    if config.publish is None:
        return
    allowed = config.publish
    where = settings.config_file.name if settings.config_file else "release-train.toml"
    problems = [
        Problem(
            p.manifest,
            _name_line(ws.member_manifest[p.name]),
            f"{p.name} is neither in the publish allow-list nor marked publish = false",
            f'add "{p.name}" to [[workspace]] publish in {where}, or set publish = false under [package] in {p.manifest.name}',
        )
        for p in ws.packages
        if p.publish and not any(fnmatchcase(p.name, g) for g in allowed)
    ]
    raise_problems(problems, "the publish set is incomplete")


def _name_line(manifest: Manifest) -> int:
    name = (manifest.package_table() or {}).get("name")
    return name.line if isinstance(name, Str) else 1
