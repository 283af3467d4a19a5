"""What a registry would reject, checked before anything is uploaded, every offender at once.

crates.io refuses a package without `description` or without `license`/`license-file`, a
`readme`/`license-file` that names a missing file, and a `.crate` over 10 MiB. Cargo itself only
warns about the first two, and stops at the first missing file: we list them all, each with the
manifest line to fix. `verify` runs the same checks before anything is proposed or tagged; it
estimates the size without packaging (`estimated_size_problems`), `publish` measures the real
`.crate` files (`package_once`, which also records their checksums in the journal), and refuses
a version already in the registry whose checksum differs from ours (`refuse_changed`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

from release_train.errors import RefusedError
from release_train.flows.publish.execute import PublishFailed
from release_train.flows.publish.journal import Journal
from release_train.registries.interface import PublishedVersion, Registry
from release_train.workspaces.interface import Package, Workspace

MAX_CRATE_BYTES = 10 * 1024 * 1024
_TAR_OVERHEAD = 1024  # per file: a 512-byte header and at most 511 bytes of padding


class MetadataError(RefusedError):
    """Packages a registry would refuse; nothing was uploaded."""


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _field(table: dict[str, Any], inherited: dict[str, Any], key: str) -> Any:
    value = table.get(key)
    if isinstance(value, dict) and value.get("workspace") is True:
        return inherited.get(key)
    return value


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def line_of(manifest: Path, table: str, key: str | None = None) -> int:
    """The 1-based line of `key` (or `key.workspace`) inside `[table]` of `manifest`, else the
    table's header line, else 1: where a fix of that field goes."""
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]\s*(#.*)?$")
    wanted = re.compile(rf"^\s*{re.escape(key)}\s*(\.\s*workspace\s*)?=") if key else None
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return 1
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if wanted is not None and wanted.match(lines[i]):
            return i + 1
    return start + 1


def metadata_problems(ws: Workspace, packages: Iterable[Package]) -> list[str]:
    """One line per refusal: `path:line: what is wrong (fix: ...)`."""
    root_manifest = ws.root / "Cargo.toml"
    inherited = _read(root_manifest).get("workspace", {}).get("package", {})
    problems: list[str] = []
    for pkg in packages:
        table = _read(pkg.manifest).get("package", {})
        where = _relative(pkg.manifest, ws.root)
        header = line_of(pkg.manifest, "package")
        if not _field(table, inherited, "description"):
            problems.append(
                f"{where}:{header}: {pkg.name} has no `description`, which the registry requires "
                f'(fix: add description = "..." under [package])'
            )
        license_file = _field(table, inherited, "license-file")
        if not _field(table, inherited, "license") and not license_file:
            problems.append(
                f"{where}:{header}: {pkg.name} has no `license` or `license-file`, which the registry "
                'requires (fix: add license = "<SPDX expression>" under [package])'
            )
        # Inherited paths are relative to the workspace root, the others to the package.
        for key in ("readme", "license-file"):
            value = _field(table, inherited, key)
            if not isinstance(value, str):
                continue
            own = not isinstance(table.get(key), dict)
            base = pkg.directory if own else ws.root
            if not (base / value).is_file():
                manifest = pkg.manifest if own else root_manifest
                line = line_of(manifest, "package" if own else "workspace.package", key)
                problems.append(
                    f"{_relative(manifest, ws.root)}:{line}: {pkg.name}: `{key}` names {value}, which does "
                    f"not exist (fix: add the file or correct the path)"
                )
    return problems


def size_problems(crate_files: dict[str, Path]) -> list[str]:
    problems = []
    for name, path in sorted(crate_files.items()):
        size = path.stat().st_size if path.is_file() else 0
        if size > MAX_CRATE_BYTES:
            problems.append(f"{name}: {path.name} is {size / 2**20:.1f} MiB, over the 10 MiB limit")
    return problems


def estimated_size_problems(ws: Workspace, packages: Iterable[Package], files: list[str]) -> list[str]:
    """Packages whose `.crate` would exceed the limit, without packaging: `files` are the
    workspace's files (git-tracked, relative to its root, as cargo packs them). A package whose
    files, with the tar's per-file overhead, stay under the limit cannot exceed it compressed;
    only a larger one is compressed in memory to measure it."""
    problems: list[str] = []
    nested = {PurePosixPath(f).parent for f in files if PurePosixPath(f).name == "Cargo.toml"}
    for pkg in packages:
        mine = _package_files(ws, pkg, files, nested)
        paths = [ws.root / f for f in mine]
        bound = sum(p.stat().st_size + _TAR_OVERHEAD for p in paths if p.is_file())
        if bound <= MAX_CRATE_BYTES:
            continue
        compressed = _gzip_size(paths)
        if compressed > MAX_CRATE_BYTES:
            line = line_of(pkg.manifest, "package", "exclude")
            problems.append(
                f"{_relative(pkg.manifest, ws.root)}:{line}: {pkg.name} packs {len(mine)} files, about "
                f"{compressed / 2**20:.1f} MiB compressed, over the registry's 10 MiB limit "
                "(fix: leave large files out with `exclude = [...]` under [package])"
            )
    return problems


def _package_files(ws: Workspace, pkg: Package, files: list[str], nested: set[PurePosixPath]) -> list[str]:
    """The files cargo would pack for `pkg`: under its directory, not under a nested package,
    filtered by its `include` / `exclude` globs."""
    directory = PurePosixPath(_relative(pkg.directory, ws.root)) if pkg.directory != ws.root else None
    table = _read(pkg.manifest).get("package", {})
    include = [p.lstrip("/") for p in table.get("include", []) if isinstance(p, str)]
    exclude = [p.lstrip("/") for p in table.get("exclude", []) if isinstance(p, str)]
    chosen: list[str] = []
    for name in files:
        path = PurePosixPath(name)
        if directory is not None and directory not in path.parents:
            continue
        inner = path.relative_to(directory) if directory is not None else path
        owner = next((p for p in path.parents if p in nested), None)
        if owner is not None and owner != (directory or PurePosixPath(".")):
            continue  # inside a nested package: cargo leaves it out
        if include and not _matches(inner, include):
            continue
        if exclude and _matches(inner, exclude):
            continue
        chosen.append(name)
    return chosen


def _matches(path: PurePosixPath, globs: list[str]) -> bool:
    """gitignore-like: a glob matches the path, a directory above it, or (without `/`) any
    component's name."""
    text = path.as_posix()
    for written in globs:
        glob = written.rstrip("/")
        if fnmatchcase(text, glob) or any(fnmatchcase(p.as_posix(), glob) for p in path.parents):
            return True
        if "/" not in glob and any(fnmatchcase(part, glob) for part in path.parts):
            return True
    return False


def _gzip_size(paths: list[Path]) -> int:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip, at cargo's level
    size = 0
    for path in paths:
        if not path.is_file():
            continue
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                size += len(packer.compress(chunk))
        size += _TAR_OVERHEAD // 2
    return size + len(packer.flush())


def raise_if_any(problems: list[str], what: str, hint: str) -> None:
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise MetadataError(f"{what} ({len(problems)}):\n{listed}", hint=hint)


def refuse_metadata(ws: Workspace, packages: list[Package]) -> None:
    raise_if_any(
        metadata_problems(ws, packages),
        "packages the registry would refuse",
        "add the missing fields or files to each manifest named, commit, and tag again "
        "(`release-train verify` finds these before a release is proposed)",
    )


def package_once(registry: Registry, ws: Workspace, journal: Journal) -> None:
    """Package and verify the workspace once per commit; the checksums go into the journal (a
    resumed run finds them there and does not package again)."""
    packages = ws.publish_order()
    if all(p.name in journal.checksums for p in packages):
        return
    refuse_metadata(ws, packages)
    import hashlib

    target = ws.root / "target"
    registry.package(ws.root, target)
    files = {p.name: target / "package" / f"{p.name}-{p.version}.crate" for p in packages}
    raise_if_any(
        size_problems(files), "packages over the size limit", "exclude large files with `exclude = [...]`"
    )
    journal.checksums = {
        n: hashlib.sha256(f.read_bytes()).hexdigest() for n, f in files.items() if f.is_file()
    }
    journal.save()


def refuse_changed(journal: Journal, tag: str, present: tuple[PublishedVersion, ...]) -> None:
    """Versions of `tag` already in the registry must be what we packaged: a published version
    cannot change."""
    clashes = []
    for there in present:
        ours = journal.checksums.get(there.name)
        if ours and there.checksum and there.checksum != ours:
            clashes.append(
                f"{there.name} {there.version}: registry {there.checksum[:12]}..., ours {ours[:12]}..."
            )
    if clashes:
        listed = "\n".join(f"  - {c}" for c in clashes)
        raise PublishFailed(
            f"versions already in the registry differ from what {tag} packages to:\n{listed}",
            hint="a published version cannot change: bump the version (release-patch) and publish that",
        )
