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

if TYPE_CHECKING:
    from pathlib import Path

    from release_train.workspaces.cargo import CargoWorkspace

# "=1.2.3", "= 1.2.3", "^1.2.3", "1.2.3": the operator (kept as written) and the version.
_REQ = re.compile(r"^(=\s*|\^\s*)?(\S*)$")


def new_versions(
    ws: CargoWorkspace, op: Operation, rc_train: bool
) -> tuple[Version | None, dict[str, Version]]:
    """The `[workspace.package]` version after the bump, and each package's version after it.
    Unpublishable packages with a literal version keep it; inheriting ones follow the workspace."""
    ws_str = ws.root_manifest.workspace_package_version() if ws.root_manifest else None
    ws_new = Version.parse(ws_str.value).bump(op, rc_train=rc_train) if ws_str else None
    result: dict[str, Version] = {}
    for p in ws.packages:
        if p.inherits_version and ws_new is not None:
            result[p.name] = ws_new
        elif p.publish:
            result[p.name] = p.version.bump(op, rc_train=rc_train)
        else:
            result[p.name] = p.version
    return ws_new, result


def bump_workspace(ws: CargoWorkspace, op: Operation, *, rc_train: bool) -> BumpEdits:
    ws_new, versions = new_versions(ws, op, rc_train)
    problems: list[Problem] = []
    files: dict[Path, bytes] = {}
    owner = {m.path: name for name, m in ws.member_manifest.items()}
    for manifest in ws.manifests:
        package = ws.package(owner[manifest.path]) if manifest.path in owner else None
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
        lines=_lines(ws, ws_new, versions),
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
    if package is not None and literal is not None and package.publish and not package.inherits_version:
        edits.append((literal.start, literal.end, str(versions[package.name]).encode()))
    return edits


def _requirement_edit(
    ws: CargoWorkspace,
    manifest: Manifest,
    package: Package | None,
    entry: Entry,
    versions: dict[str, Version],
    problems: list[Problem],
) -> tuple[int, int, bytes] | None:
    req = entry.version
    if req is None or entry.registry_only or not ws.has(entry.name):
        return None
    dep = ws.package(entry.name)
    if not dep.publish or not _points_at(ws, manifest, entry, dep):
        return None
    who = package.name if package and entry.table != WORKSPACE_DEPS else "[workspace.dependencies]"
    match = _REQ.match(req.value)
    operator, core = (match.group(1) or "", match.group(2)) if match else ("", req.value)
    if core != str(dep.version):
        problems.append(
            Problem(
                manifest.path,
                req.line,
                f"{who} lists {dep.name} {req.value} but {dep.name} is at {dep.version}",
                f'set the requirement to "{operator}{dep.version}" in [{entry.table}] {entry.key}',
            )
        )
        return None
    checked = entry.table == WORKSPACE_DEPS or (package is not None and package.publish)
    pinned = operator.startswith("=")
    if checked and dep.public and pinned:
        problems.append(
            Problem(
                manifest.path,
                req.line,
                f"{who} pins public package {dep.name} with {req.value!r}",
                f'use a caret requirement "{dep.version}" (public packages keep their API in patch releases)',
            )
        )
    elif checked and not dep.public and not pinned:
        problems.append(
            Problem(
                manifest.path,
                req.line,
                f"{who} uses a caret requirement {req.value!r} on internal package {dep.name}",
                f'pin it: "={dep.version}", or list {dep.name} in [[workspace]] public if its API is stable',
            )
        )
    start = req.start + len(req.value) - len(core)
    return (start, req.end, str(versions[dep.name]).encode())


def _points_at(ws: CargoWorkspace, manifest: Manifest, entry: Entry, dep: Package) -> bool:
    """Whether the entry resolves to the member (by `path`), not to a registry package of that name."""
    return entry.dir is not None and entry.dir == ws.member_manifest[dep.name].dir


def _bump_lock(ws: CargoWorkspace, versions: dict[str, Version], files: dict[Path, bytes]) -> None:
    changes = {p.name: (p.version, versions[p.name]) for p in ws.packages if versions[p.name] != p.version}
    lock = ws.lock_path
    if not changes or not lock.is_file():
        return
    data = lock.read_bytes()
    new = bump_lock(data, changes)
    if new != data:
        files[lock] = new


def _new_train(ws: CargoWorkspace, ws_new: Version | None, versions: dict[str, Version]) -> Version:
    if ws.train_source:
        return versions[ws.train_source]
    return ws_new if ws_new is not None else ws.train_version


def _lines(
    ws: CargoWorkspace, ws_new: Version | None, versions: dict[str, Version]
) -> list[tuple[str, str, str]]:
    """One line per version line: the shared workspace version, then each group of literal versions."""
    lines: list[tuple[str, str, str]] = []
    ws_str = ws.root_manifest.workspace_package_version() if ws.root_manifest else None
    if ws_str is not None and ws_new is not None:
        lines.append(("workspace", ws_str.value, str(ws_new)))
    groups: dict[tuple[str, str], list[str]] = {}
    for p in ws.publish_order():
        if not p.inherits_version:
            groups.setdefault((str(p.version), str(versions[p.name])), []).append(p.name)
    for (old, new), names in groups.items():
        label = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        lines.append((label, old, new))
    return lines
