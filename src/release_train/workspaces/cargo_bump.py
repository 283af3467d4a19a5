"""SPEC section 2 for Cargo: compute every manifest and `Cargo.lock` after a version operation.

Nothing is written here. Every check runs before any byte is produced, and all problems are
reported together, each with its file, line and fix.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from release_train.model.version import Operation, Version
from release_train.workspaces.cargo_lock import bump_lock, splice
from release_train.workspaces.cargo_manifest import WORKSPACE_DEPS, Entry, Manifest
from release_train.workspaces.interface import BumpEdits, Package, Problem
from release_train.workspaces.moves import moved, version_lines

if TYPE_CHECKING:
    from pathlib import Path

    from release_train.workspaces.cargo import CargoWorkspace

# A requirement naming one exact version: `1.2.3`, `=1.2.3`, `^1.2.3`, `~1.2.3` (spaces allowed, as
# cargo reads them). It follows the member: the operator is kept, the version replaced. Any other
# requirement (`*`, `1.2`, `>=1, <3`) is a range, left as written while the member satisfies it.
_EXACT = re.compile(
    r"^\s*([=^~]?)\s*([0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\s*$", re.ASCII
)


def new_versions(
    ws: CargoWorkspace, op: Operation, rc_train: bool
) -> tuple[Version | None, dict[str, Version]]:
    """The `[workspace.package]` version after the bump, and each package's version after it.
    Packages that inherit the workspace version follow it, publishable or not; the others move
    as `moves.moved` says."""
    ws_str = ws.root_manifest.workspace_package_version() if ws.root_manifest else None
    ws_new = Version.parse(ws_str.value).bump(op, rc_train=rc_train) if ws_str else None
    result: dict[str, Version] = {}
    for p in ws.packages:
        result[p.name] = ws_new if p.inherits_version and ws_new is not None else moved(p, op, rc_train)
    return ws_new, result


def bump_workspace(ws: CargoWorkspace, op: Operation, *, rc_train: bool) -> BumpEdits:
    ws_new, versions = new_versions(ws, op, rc_train)
    problems: list[Problem] = []
    files: dict[Path, bytes] = {}
    owner = {m.dir: ws.package(name) for name, m in ws.member_manifest.items()}  # by directory string
    for manifest in ws.manifests:
        package = owner.get(manifest.dir)
        edits = _own_version_edits(manifest, package, ws_new, versions)
        for entry in manifest.entries:
            edit = _requirement_edit(ws, manifest, package, entry, versions, problems)
            if edit:
                edits.append(edit)
        new = splice(manifest.data, edits)
        if new != manifest.data:
            files[manifest.path] = new
    _bump_lock(ws, versions, files)
    return BumpEdits(
        files=files,
        lines=_lines(ws, op, ws_new, versions),
        old_train=ws.train_version,
        new_train=_new_train(ws, ws_new, versions),
        new_versions=versions,
        problems=problems,
    )


def _own_version_edits(
    manifest: Manifest, package: Package | None, ws_new: Version | None, versions: dict[str, Version]
) -> list[tuple[int, int, bytes]]:
    edits = []
    ws_str = manifest.workspace_package_version()
    if ws_str is not None and ws_new is not None:
        edits.append((ws_str.start, ws_str.end, str(ws_new).encode()))
    literal = manifest.literal_version()
    if package is not None and literal is not None and not package.inherits_version:
        new = versions[package.name]
        if new != package.version:
            edits.append((literal.start, literal.end, str(new).encode()))
    return edits


def _requirement_edit(
    ws: CargoWorkspace,
    manifest: Manifest,
    package: Package | None,
    entry: Entry,
    versions: dict[str, Version],
    problems: list[Problem],
) -> tuple[int, int, bytes] | None:
    """The edit of one first-party requirement, whatever either side's `publish`: an exact one
    follows its member when the member's version changes (and must name the member's version
    now); a range stays as written and must admit the new version. Style problems are added for
    publishable dependents (and `[workspace.dependencies]`) on publishable members."""
    req = entry.version
    if req is None or entry.registry_only or not ws.has(entry.name):
        return None
    dep = ws.package(entry.name)
    if not _points_at(ws, manifest, entry, dep):
        return None
    new = versions[dep.name]
    exact = _EXACT.match(req.value)
    operator = exact.group(1) if exact else None
    checked = dep.publish and (entry.table == WORKSPACE_DEPS or (package is not None and package.publish))
    if checked and dep.public == (operator == "="):  # a public package pinned, an internal one not
        problems.append(_style_problem(Where(manifest, package, entry), dep, operator))
    if exact is None or new == dep.version:
        _check_admits(Where(manifest, package, entry), dep, new, problems)
        return None
    written = exact.group(2)
    if written != str(dep.version):
        where = Where(manifest, package, entry)
        problems.append(
            where.problem(
                f"lists {dep.name} {req.value} but {dep.name} is at {dep.version}",
                f'set the requirement to "{operator}{dep.version}" {where.at}',
            )
        )
        return None
    if req.end - req.start != len(req.value.encode()):  # escapes: the text is not the bytes
        where = Where(manifest, package, entry)
        problems.append(
            where.problem(
                f"writes the requirement on {dep.name} with escapes",
                f'write it plainly: "{req.value}" {where.at}',
            )
        )
        return None
    start = req.start + exact.start(2)
    return (start, start + len(written), str(new).encode())


class Where:
    """One requirement's place: the manifest, the dependent, the entry; words its problems."""

    __slots__ = ("entry", "manifest", "unpublished", "who")

    def __init__(self, manifest: Manifest, package: Package | None, entry: Entry) -> None:
        self.manifest = manifest
        self.entry = entry
        dependent = None if entry.table == WORKSPACE_DEPS else package
        self.who = dependent.name if dependent else "[workspace.dependencies]"
        self.unpublished = dependent is not None and not dependent.publish  # never published

    def problem(self, message: str, fix: str) -> Problem:
        req = self.entry.version
        assert req is not None
        return Problem(self.manifest.path, req.line, f"{self.who} {message}", fix)

    @property
    def at(self) -> str:
        return f"in [{self.entry.table}] {self.entry.key}"


def _style_problem(where: Where, dep: Package, operator: str | None) -> Problem:
    """SPEC section 1: a public package is required with a caret requirement, an internal one
    pinned with `=` (`operator` is None for a range)."""
    req = where.entry.version
    assert req is not None
    if dep.public:
        return where.problem(
            f"pins public package {dep.name} with {req.value!r}",
            f'use a caret requirement "{dep.version}" (public packages keep their API in patch releases)',
        )
    kind = {None: "a range requirement", "~": "a tilde requirement"}.get(operator, "a caret requirement")
    return where.problem(
        f"uses {kind} {req.value!r} on internal package {dep.name}",
        f'pin it: "={dep.version}", or list {dep.name} in [[workspace]] public if its API is stable',
    )


def _check_admits(where: Where, dep: Package, new: Version, problems: list[Problem]) -> None:
    """A requirement left as written must still admit the member's version (cargo refuses the
    workspace otherwise). The matcher is imported here: most workspaces never need it."""
    from release_train.model.cargo_req import Requirement, RequirementError

    req = where.entry.version
    assert req is not None
    no_version = (
        ", or drop `version` (a path dependency of a package that is never published needs none)"
        if where.unpublished
        else ""
    )
    try:
        admits = Requirement.parse(req.value).matches(new)
    except RequirementError:
        problems.append(
            where.problem(
                f"lists {dep.name} {req.value!r}, which is not a Cargo version requirement",
                f'write a requirement such as "{new}" {where.at}{no_version}',
            )
        )
        return
    if not admits:
        after = "after the bump" if new != dep.version else "now"
        problems.append(
            where.problem(
                f"lists {dep.name} {req.value!r}, which {dep.name} {new} ({after}) does not satisfy",
                f'write "{new}" or a range that admits it {where.at}{no_version}',
            )
        )


def _points_at(ws: CargoWorkspace, manifest: Manifest, entry: Entry, dep: Package) -> bool:
    """Whether the entry resolves to the member (by `path`), not to a registry package of that name."""
    return entry.dir is not None and entry.dir == ws.member_manifest[dep.name].dir


def _bump_lock(ws: CargoWorkspace, versions: dict[str, Version], files: dict[Path, bytes]) -> None:
    changes = {p.name: (p.version, versions[p.name]) for p in ws.packages if versions[p.name] != p.version}
    lock = ws.lock_path
    if not changes or not ws.files.is_file(str(lock)):
        return
    data = ws.files.read(str(lock))
    new = bump_lock(data, changes)
    if new != data:
        files[lock] = new


def _new_train(ws: CargoWorkspace, ws_new: Version | None, versions: dict[str, Version]) -> Version:
    if ws.train_source:
        return versions[ws.train_source]
    return ws_new if ws_new is not None else ws.train_version


def _lines(
    ws: CargoWorkspace, op: Operation, ws_new: Version | None, versions: dict[str, Version]
) -> list[tuple[str, str, str]]:
    """One (label, old, new) per version line: the shared workspace version, then each group of
    publishable packages with versions of their own that move alike (`moves.version_lines`)."""
    lines: list[tuple[str, str, str]] = []
    ws_str = ws.root_manifest.workspace_package_version() if ws.root_manifest else None
    if ws_str is not None and ws_new is not None:
        lines.append(("workspace", ws_str.value, str(ws_new)))
    own = (p for p in ws.publish_order() if not p.inherits_version)
    return lines + version_lines(own, versions, op)
