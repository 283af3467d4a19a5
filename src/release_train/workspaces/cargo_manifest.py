"""One `Cargo.toml`, read once: its package fields and every dependency entry with the span of its
`version` string, so a bump can splice new versions in and keep every other byte."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from release_train.errors import WorkspaceError
from release_train.infra.confine import Files
from release_train.model.version import Version, VersionError
from release_train.workspaces.interface import DependencyKind, read_manifest_bytes
from release_train.workspaces.toml_doc import Str, Table, parse

# table name -> dependency kind; the underscore spellings are Cargo's legacy aliases
DEP_TABLES: dict[str, DependencyKind] = {
    "dependencies": "normal",
    "dev-dependencies": "dev",
    "dev_dependencies": "dev",
    "build-dependencies": "build",
    "build_dependencies": "build",
}
WORKSPACE_DEPS = "workspace.dependencies"


class Entry:
    """One dependency entry as written: `key = "1.0"` or `key = { ... }` or `[dependencies.key]`.

    Plain slotted classes here, not dataclasses: a 2,000-crate workspace makes ten thousand
    entries, and each dataclass type costs start-up time (bench/bump.py). Never mutated."""

    __slots__ = (
        "dir",
        "key",
        "kind",
        "name",
        "path",
        "registry_only",
        "table",
        "target",
        "version",
        "workspace",
    )

    def __init__(
        self,
        key: str,
        name: str,  # after `package = "..."`
        kind: DependencyKind,
        table: str,  # "dependencies", "target.'cfg(unix)'.dev-dependencies", "workspace.dependencies"
        target: str | None,
        version: Str | None,
        path: str | None,
        workspace: bool,  # `workspace = true`
        registry_only: bool,  # a bare string requirement: resolves to the registry
        dir: str | None = None,  # `path` joined to the manifest's directory (see `join`)
    ) -> None:
        self.key = key
        self.name = name
        self.kind = kind
        self.table = table
        self.target = target
        self.version = version
        self.path = path
        self.workspace = workspace
        self.registry_only = registry_only
        self.dir = dir

    def __repr__(self) -> str:
        return f"Entry({self.table}: {self.key!r} -> {self.name!r})"


class Manifest:
    """One parsed `Cargo.toml`: its bytes, its values (`doc`) and its dependency entries."""

    __slots__ = ("data", "dir", "doc", "entries", "path")

    def __init__(self, path: Path, data: bytes, doc: Table, entries: tuple[Entry, ...], dir: str) -> None:
        self.path = path
        self.data = data
        self.doc = doc
        self.entries = entries
        self.dir = dir  # the directory, as a normalised string (the key members are compared by)

    def __repr__(self) -> str:
        return f"Manifest({self.path})"

    @property
    def directory(self) -> Path:
        return self.path.parent

    def package_table(self) -> Table | None:
        table = self.doc.get("package")
        return table if isinstance(table, dict) else None

    def workspace_table(self) -> Table | None:
        table = self.doc.get("workspace")
        return table if isinstance(table, dict) else None

    def name(self) -> str:
        table = self.package_table() or {}
        name = table.get("name")
        if not isinstance(name, Str):
            raise WorkspaceError(
                f"{self.path}: [package] has no name", hint='add name = "..." under [package]'
            )
        return name.value

    def literal_version(self) -> Str | None:
        value = (self.package_table() or {}).get("version")
        return value if isinstance(value, Str) else None

    def inherits(self, key: str) -> bool:
        value = (self.package_table() or {}).get(key)
        return isinstance(value, dict) and value.get("workspace") is True

    def workspace_package_version(self) -> Str | None:
        ws = self.workspace_table() or {}
        package = ws.get("package")
        value = package.get("version") if isinstance(package, dict) else None
        return value if isinstance(value, Str) else None


def read_manifest(path: Path, confined: Files) -> Manifest:
    """Read and parse one manifest, in a directory `confined` has checked (os-level reads: a
    `Path.read_bytes` costs twice as much per file)."""
    return read_manifest_in(os.path.dirname(path), confined, path)  # noqa: PTH120


def read_manifest_in(directory: str, confined: Files, path: Path | None = None) -> Manifest:
    """The `Cargo.toml` of `directory` (a normalised path): read through the string the caller
    holds, so a `Path` is made once per manifest and never formatted back (a 2,000-crate
    workspace reads 2,000 of them)."""
    text = os.path.join(directory, "Cargo.toml")  # noqa: PTH118
    if path is None:
        path = Path(text)
    data = read_manifest_bytes(
        confined, text, "check the [workspace] members globs and the path dependencies"
    )
    doc = parse(path, data)
    return Manifest(path, data, doc, tuple(_entries(path, directory, doc)), directory)


def _entries(path: Path, directory: str, doc: Table) -> list[Entry]:
    found: list[Entry] = []
    for table_name, kind in DEP_TABLES.items():
        table = doc.get(table_name)
        if table is not None:
            found += _table_entries(path, directory, table, kind, table_name, None)
    targets = doc.get("target")
    if isinstance(targets, dict):
        for cfg, body in targets.items():
            if not isinstance(body, dict):
                continue
            for table_name, kind in DEP_TABLES.items():
                label = f"target.'{cfg}'.{table_name}"
                found += _table_entries(path, directory, body.get(table_name), kind, label, cfg)
    ws = doc.get("workspace")
    if isinstance(ws, dict):
        found += _table_entries(path, directory, ws.get("dependencies"), "normal", WORKSPACE_DEPS, None)
    return found


def _table_entries(
    path: Path, directory: str, table: Any, kind: DependencyKind, label: str, target: str | None
) -> list[Entry]:
    if not isinstance(table, dict):
        return []
    entries = []
    for key, spec in table.items():
        if isinstance(spec, Str):
            entries.append(Entry(key, key, kind, label, target, spec, None, False, True))
        elif isinstance(spec, dict):
            package = spec.get("package")
            version = spec.get("version")
            dep_path = spec.get("path")
            relative = dep_path.value if isinstance(dep_path, Str) else None
            entries.append(
                Entry(
                    key,
                    package.value if isinstance(package, Str) else key,
                    kind,
                    label,
                    target,
                    version if isinstance(version, Str) else None,
                    relative,
                    spec.get("workspace") is True,
                    False,
                    None if relative is None else join(directory, relative),
                )
            )
        else:
            raise WorkspaceError(
                f"{path}: [{label}] {key} must be a version string or a table",
                hint=f'write {key} = "1.0" or {key} = {{ path = "...", version = "..." }}',
            )
    return entries


_PARSED: dict[str, Version] = {}  # a workspace repeats few distinct versions thousands of times


def parse_version(manifest: Path, value: Str) -> Version:
    """The version a manifest writes, read as cargo reads it (no spaces, ASCII digits, each
    number within u64); else an error naming the file, the line and the fix."""
    version = _PARSED.get(value.value)
    if version is not None:
        return version
    try:
        version = _PARSED[value.value] = Version.parse(value.value)
    except VersionError as exc:
        text = value.value
        if text != text.strip():
            fix = f'write it without spaces: "{text.strip()}"'
        elif "exceeds" in exc.message:
            fix = "keep MAJOR, MINOR and PATCH at or below 18446744073709551615, as cargo does"
        else:
            fix = 'write the version as MAJOR.MINOR.PATCH, e.g. "1.0.0"'
        raise WorkspaceError(f"{manifest}:{value.line}: {exc.message}", hint=fix) from None
    return version


def join(base: str, relative: str) -> str:
    """`base / relative`, normalised lexically as Cargo does: no symlink resolution. Directories
    are compared as strings: `Path.resolve` and `Path` arithmetic cost most of the load time of a
    2,000-crate workspace.

    The usual `path = "../name"` or `"crates/name"` from a normalised absolute `base` is joined
    by hand (`os.path.normpath` is Python code, a few microseconds a call, and a large workspace
    has one call per path dependency); anything else (`.` parts, doubled or trailing slashes, an
    absolute `relative`, another kind of `base`) goes through `normpath`, which gives the same."""
    if base[:1] == "/" and base[:2] != "//":
        head, rest = base, relative
        while rest.startswith("../"):
            head, rest = os.path.dirname(head), rest[3:]  # noqa: PTH120  (the parent of / is /)
        if rest and "." not in rest and "//" not in rest and rest[0] != "/" and rest[-1] != "/":
            return f"{head}/{rest}" if head != "/" else f"/{rest}"
    return os.path.normpath(os.path.join(base, relative))  # noqa: PTH118
