"""The members of a Cargo workspace, found as Cargo finds them (`cargo metadata --no-deps` gives
the same set): the root package, the `[workspace] members` globs less `exclude`, and, transitively,
every path dependency of a member that lives under the workspace root and is not excluded. Every
directory is checked to stay inside the repository (`infra/confine.py`). A glob that matches no
directory is an error, as it is for cargo.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from release_train.errors import WorkspaceError
from release_train.infra.confine import Files
from release_train.workspaces.cargo_manifest import WORKSPACE_DEPS, Entry, Manifest, join, read_manifest_in
from release_train.workspaces.toml_doc import Str

_GLOB_CHARS = frozenset("*?[")


def find_members(
    root: Path, root_manifest: Manifest, ws_table: dict[str, object], confined: Files
) -> list[Manifest]:
    base = str(root)
    excludes = [join(base, e.value) for e in _strings(ws_table.get("exclude"))]
    explicit = _listed_members(root, root_manifest, ws_table.get("members"), excludes, confined)
    found: dict[str, Manifest] = {}
    if root_manifest.package_table() is not None:
        found[base] = root_manifest
    queue = [root_manifest] if base in found else []
    confined.read_ahead([f"{d}/Cargo.toml" for d in explicit])
    for directory in explicit:
        if directory not in found:
            confined.check_dir(directory)
            found[directory] = read_manifest_in(directory, confined)
            queue.append(found[directory])
    ws_paths = _workspace_dep_paths(root_manifest)
    for manifest in queue:  # breadth first; the loop sees what it appends (no pop(0): linear)
        for entry in manifest.entries:
            if entry.table == WORKSPACE_DEPS:
                continue
            target = _entry_dir(entry, ws_paths)
            if target is None or target in found or _excluded(target, excludes):
                continue
            if not _inside(target, base):
                continue
            confined.check_dir(target)
            if not confined.is_file(os.path.join(target, "Cargo.toml")):  # noqa: PTH118
                continue
            found[target] = read_manifest_in(target, confined)
            queue.append(found[target])
    # the root manifest first, always: even a virtual one holds versions a bump rewrites
    return [
        root_manifest,
        *sorted((m for m in found.values() if m is not root_manifest), key=lambda m: m.path),
    ]


def _listed_members(
    root: Path, root_manifest: Manifest, members: object, excludes: list[str], confined: Files
) -> list[str]:
    """The directories `[workspace] members` names, globs expanded, less `exclude`."""
    listed: list[str] = []
    for pattern in _strings(members):
        if _GLOB_CHARS & set(pattern.value):
            # as Cargo: every matched directory is a member and must hold a Cargo.toml; a pattern
            # that matches nothing is read as a directory name, which does not exist
            matched = glob_dirs(root, pattern.value, confined)
            if not matched:
                raise _matches_nothing(root_manifest, pattern)
            listed += [p for p in matched if not _excluded(p, excludes)]
        else:
            listed.append(join(str(root), pattern.value))
    return listed


def glob_dirs(root: Path, pattern: str, confined: Files) -> list[str]:
    """The directories `root.glob(pattern)` gives, joined to `root` and sorted, each checked to
    stay inside the repository. The usual `crates/*` (literal directories, then one last
    wildcard part) is read with one directory listing (`Files.scan`, an `os.scandir` on disk):
    `Path.glob` builds and stats a `Path` per entry, a tenth of a 2,000-crate `bump`
    (bench/bump.py); and the listing says which entries are links, so only those cost a check."""
    head, _, last = pattern.rpartition("/")
    parents = head.split("/") if head else []
    if (
        "**" in pattern
        or _GLOB_CHARS & set(head)
        or not _GLOB_CHARS & set(last)
        or any(p in ("", ".", "..") for p in parents)
    ):
        found = sorted(join(str(root), p) for p in confined.glob_dirs(str(root), pattern))
        for directory in found:
            confined.check_dir(directory)
        return found
    parent = join(str(root), head or ".")
    confined.check_dir(parent)
    name_matches = re.compile(fnmatch.translate(last)).match
    try:
        entries = confined.scan(parent)
    except OSError:  # as Path.glob: a missing or unreadable directory matches nothing
        return []
    found = []
    for name, is_dir, is_link in entries:
        if name_matches(name) and is_dir:
            found.append(directory := join(parent, name))
            if is_link:
                confined.check_dir(directory)
            else:
                confined.known(directory)
    return sorted(found)


def _matches_nothing(root_manifest: Manifest, pattern: Str) -> WorkspaceError:
    head = pattern.value.rpartition("/")[0] or "."
    return WorkspaceError(
        f"{root_manifest.path}:{pattern.line}: [workspace] members {pattern.value!r} matches no "
        "directory (cargo refuses the workspace: it reads the pattern as a directory name)",
        hint=f"remove {pattern.value!r} from members, or add a package (a directory with a Cargo.toml) under {head}/",
    )


def _inside(directory: str, parent: str) -> bool:
    return directory == parent or directory.startswith(parent + os.sep)


def _excluded(directory: str, excludes: list[str]) -> bool:
    return any(_inside(directory, e) for e in excludes)


def _strings(value: object) -> list[Str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, Str)]
    return []


def _workspace_dep_paths(root_manifest: Manifest) -> dict[str, str]:
    return {e.key: e.dir for e in root_manifest.entries if e.table == WORKSPACE_DEPS and e.dir is not None}


def _entry_dir(entry: Entry, ws_paths: dict[str, str]) -> str | None:
    if entry.dir is not None:
        return entry.dir
    if entry.workspace:
        return ws_paths.get(entry.key)
    return None
