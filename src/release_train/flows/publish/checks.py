"""What a registry would reject, checked before anything is uploaded, every offender at once.

crates.io refuses a package without `description` or without `license`/`license-file`, a
`readme`/`license-file` that names a missing file, and a `.crate` over 10 MiB. Cargo itself only
warns about the first two, and stops at the first missing file: we list them all, each with the
manifest line to fix. `verify` runs the same checks before anything is proposed or tagged; it
estimates the size without packaging (`estimated_size_problems`), `publish` measures the real
`.crate` files (`package_once`, which keeps every package's files and records their sha256 in
the journal; for Python the sdist and wheels, checked by `twine check`), and refuses a version
already in the registry with a file of the same name and other bytes (`refuse_changed`). Files
are read where the workspace was read (`ws.files`: the disk, or a commit's tree when a flow
checks a commit).
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_train.errors import RefusedError, WorkspaceError
from release_train.infra.confine import Files
from release_train.registries.interface import Artefact, PublishedVersion, Registry, compare_files
from release_train.workspaces.interface import Package, Workspace

if TYPE_CHECKING:
    # Only publishing needs these; `verify` (and with it every flow's gate) imports this module
    # for its size and metadata checks, and the executor brings threads and the pacing model.
    from release_train.flows.publish.journal import Journal

MAX_CRATE_BYTES = 10 * 1024 * 1024
_TAR_OVERHEAD = 1024  # per file: a 512-byte header and at most 511 bytes of padding


class MetadataError(RefusedError):
    """Packages a registry would refuse; nothing was uploaded."""


def _text(files: Files, path: Path) -> str | None:
    try:
        return files.read(str(path)).decode()
    except (OSError, UnicodeDecodeError, WorkspaceError):
        return None


def _read(files: Files, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(_text(files, path) or "")
    except tomllib.TOMLDecodeError:
        return {}


def _tables(ws: Workspace) -> Callable[[Path], dict[str, Any]]:
    """A manifest's `[package]` and `[workspace.package]`: as the workspace parsed them when it
    was read (a Cargo workspace keeps them), else read and parsed here; once per manifest."""
    from release_train.workspaces.cargo import CargoWorkspace

    parsed = {str(m.path): m.doc for m in ws.manifests} if isinstance(ws, CargoWorkspace) else {}
    known: dict[str, dict[str, Any]] = {}

    def tables(path: Path) -> dict[str, Any]:
        key = str(path)
        if key not in known:
            doc = parsed.get(key)
            if doc is None:
                known[key] = _read(ws.files, path)
            else:
                workspace = doc.get("workspace")
                package = workspace.get("package") if isinstance(workspace, dict) else None
                known[key] = {
                    "package": _plain(doc.get("package", {})),
                    "workspace": {"package": _plain(package or {})},
                }
        return known[key]

    return tables


def _plain(value: Any) -> Any:
    """A parsed manifest's value with its strings as `str` (the loader's `Str` keeps spans)."""
    from release_train.workspaces.toml_doc import Str

    if isinstance(value, Str):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _field(table: dict[str, Any], inherited: dict[str, Any], key: str) -> Any:
    value = table.get(key)
    if isinstance(value, dict) and value.get("workspace") is True:
        return inherited.get(key)
    return value


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def line_of(files: Files, manifest: Path, table: str, key: str | None = None) -> int:
    """The 1-based line of `key` (or `key.workspace`) inside `[table]` of `manifest`, else the
    table's header line, else 1: where a fix of that field goes."""
    text = _text(files, manifest)
    if text is None:
        return 1
    lines = text.splitlines()
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
    files, root_manifest, tables = ws.files, ws.root / "Cargo.toml", _tables(ws)
    inherited = tables(root_manifest).get("workspace", {}).get("package", {})
    problems: list[str] = []
    for pkg in packages:
        table = tables(pkg.manifest).get("package", {})
        where = _relative(pkg.manifest, ws.root)
        if not _field(table, inherited, "description"):
            problems.append(
                f"{where}:{line_of(files, pkg.manifest, 'package')}: {pkg.name} has no `description`, "
                'which the registry requires (fix: add description = "..." under [package])'
            )
        license_file = _field(table, inherited, "license-file")
        if not _field(table, inherited, "license") and not license_file:
            problems.append(
                f"{where}:{line_of(files, pkg.manifest, 'package')}: {pkg.name} has no `license` or "
                '`license-file`, which the registry requires (fix: add license = "<SPDX expression>" '
                "under [package])"
            )
        # Inherited paths are relative to the workspace root, the others to the package.
        for key in ("readme", "license-file"):
            value = _field(table, inherited, key)
            if not isinstance(value, str):
                continue
            own = not isinstance(table.get(key), dict)
            base = pkg.directory if own else ws.root
            if not files.is_file(str(base / value)):
                manifest = pkg.manifest if own else root_manifest
                line = line_of(files, manifest, "package" if own else "workspace.package", key)
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


def estimated_size_problems(ws: Workspace, packages: Iterable[Package]) -> list[str]:
    """Packages whose `.crate` would exceed the limit, without packaging: the files of each are
    those git tracks below its directory (`Files.tracked`), as cargo packs them. A package whose
    files, with the tar's per-file overhead, stay under the limit cannot exceed it compressed;
    only a larger one is compressed in memory to measure it."""
    packages, tables = list(packages), _tables(ws)
    tracked = ws.files.tracked([str(pkg.directory) for pkg in packages])
    packed = {pkg.name: _package_files(tables(pkg.manifest), tracked[str(pkg.directory)]) for pkg in packages}
    paths = [f"{pkg.directory}/{name}" for pkg in packages for name in packed[pkg.name]]
    sizes = iter(ws.files.sizes(paths))
    problems: list[str] = []
    for pkg in packages:
        mine = packed[pkg.name]
        known = [next(sizes) for _ in mine]
        missing = [name for name, size in zip(mine, known, strict=True) if size < 0]
        if missing:
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            problems.append(
                f"{_relative(pkg.manifest, ws.root)}:1: {pkg.name} packs {missing[0]}{more}, whose content "
                "this clone does not have, so cargo cannot package it (fix: fetch the missing objects, "
                "e.g. `git fetch --refetch origin`, or leave the files out with `exclude = [...]` under "
                "[package])"
            )
            continue
        bound = sum(size + _TAR_OVERHEAD for size in known)
        if bound <= MAX_CRATE_BYTES:
            continue
        compressed = _gzip_size(ws.files, [pkg.directory / name for name in mine])
        if compressed > MAX_CRATE_BYTES:
            line = line_of(ws.files, pkg.manifest, "package", "exclude")
            problems.append(
                f"{_relative(pkg.manifest, ws.root)}:{line}: {pkg.name} packs {len(mine)} files, about "
                f"{compressed / 2**20:.1f} MiB compressed, over the registry's 10 MiB limit "
                "(fix: leave large files out with `exclude = [...]` under [package])"
            )
    return problems


def _package_files(manifest: dict[str, Any], tracked: list[str]) -> list[str]:
    """Those of `tracked` (the files below a package's directory, relative to it) cargo would
    pack for the package of `manifest`: not below a nested package, filtered by its `include` /
    `exclude` globs. Paths are compared as strings, and each directory is judged once: a package
    may hold tens of thousands of files."""
    table = manifest.get("package", {})
    include = _matcher(p.lstrip("/") for p in table.get("include", []) if isinstance(p, str))
    exclude = _matcher(p.lstrip("/") for p in table.get("exclude", []) if isinstance(p, str))
    nested = {name[: -len("/Cargo.toml")] for name in tracked if name.endswith("/Cargo.toml")}
    in_nested = _below(lambda directory: directory in nested)
    chosen: list[str] = []
    for name in tracked:
        if nested and in_nested(name.rpartition("/")[0]):
            continue  # inside a nested package: cargo leaves it out
        if include is not None and not include(name):
            continue
        if exclude is not None and exclude(name):
            continue
        chosen.append(name)
    return chosen


def _below(test: Callable[[str], bool]) -> Callable[[str], bool]:
    """Whether a directory (a relative path, "" for the package's own) or one above it passes
    `test`, remembered per directory."""
    known: dict[str, bool] = {"": False}

    def below(directory: str) -> bool:
        found = known.get(directory)
        if found is None:
            found = known[directory] = test(directory) or below(directory.rpartition("/")[0])
        return found

    return below


def _matcher(written: Iterable[str]) -> Callable[[str], bool] | None:
    """gitignore-like matching of a path by the globs `written` (None when there are none): a
    glob matches the path, a directory above it (`.` too), or (a glob without `/`) any
    component's name."""
    globs = [(re.compile(fnmatch.translate(g.rstrip("/"))).match, "/" not in g.rstrip("/")) for g in written]
    if not globs:
        return None
    if any(match(".") for match, _ in globs):
        return lambda name: True

    def itself(path: str) -> bool:
        leaf = path.rpartition("/")[2]
        return any(match(path) or (plain and match(leaf)) for match, plain in globs)

    in_matched = _below(itself)
    return lambda name: itself(name) or in_matched(name.rpartition("/")[0])


def _gzip_size(files: Files, paths: list[Path]) -> int:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip, at cargo's level
    size = 0
    for path in paths:
        try:
            data = files.read(str(path))
        except (OSError, WorkspaceError):
            continue
        size += len(packer.compress(data))
        size += _TAR_OVERHEAD // 2
    return size + len(packer.flush())


def raise_if_any(problems: list[str], what: str, hint: str) -> None:
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise MetadataError(f"{what} ({len(problems)}):\n{listed}", hint=hint)


def refuse_metadata(ws: Workspace, packages: list[Package]) -> None:
    """What crates.io would refuse, in each Cargo workspace of `ws`. A Python workspace's index
    has other rules: `twine check` reads every file's metadata as PyPI will, when the
    distributions are built."""
    from release_train.workspaces.cargo import CargoWorkspace

    cargo = [part for part in ws.parts() if isinstance(part, CargoWorkspace)]
    raise_if_any(
        [
            found
            for part in cargo
            for found in metadata_problems(part, [p for p in packages if part.has(p.name)])
        ],
        "packages the registry would refuse",
        "add the missing fields or files to each manifest named, commit, and tag again "
        "(`release-train verify` finds these before a release is proposed)",
    )


def _is_cargo(ws: Workspace) -> bool:
    from release_train.workspaces.cargo import CargoWorkspace

    return isinstance(ws, CargoWorkspace)


Artefacts = dict[str, tuple[Artefact, ...]]


def package_once(registry: Registry, ws: Workspace, journal: Journal) -> Artefacts:
    """Package and verify the workspace once per commit: the files are kept in the journal's
    `artefact_dir` and their sha256 in the journal, so a resumed run uploads those very files
    without packaging again. The artefacts of each package, by name."""
    packages = ws.publish_order()
    kept = _kept(journal, [p.name for p in packages])
    if kept is not None:
        return kept
    refuse_metadata(ws, packages)
    made = registry.package(ws.root, ws.root / "target", packages)
    crates = {p.name for part in ws.parts() if _is_cargo(part) for p in part.packages}
    if crates:
        raise_if_any(
            size_problems({name: files[0].path for name, files in made.items() if files and name in crates}),
            "packages over the size limit",
            "exclude large files with `exclude = [...]`",
        )
    artefacts = _keep(made, journal.artefact_dir)
    journal.files = {name: {a.filename: a.sha256 for a in files} for name, files in artefacts.items()}
    journal.save()
    return artefacts


def _kept(journal: Journal, names: list[str]) -> Artefacts | None:
    """The files an earlier run packaged for the journal's commit, when each is still there as
    it was; else None."""
    import hashlib

    found: Artefacts = {}
    for name in names:
        listed = journal.files.get(name)
        if not listed:
            return None
        files = []
        for filename, sha256 in listed.items():
            path = journal.artefact_dir / name / filename
            try:
                if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
                    return None
            except OSError:
                return None
            files.append(Artefact(path, sha256))
        found[name] = tuple(files)
    return found


def _keep(made: Artefacts, directory: Path) -> Artefacts:
    """`made` copied into `directory` (emptied first), one directory per package."""
    import shutil

    shutil.rmtree(directory, ignore_errors=True)
    kept: Artefacts = {}
    for name, files in made.items():
        (directory / name).mkdir(parents=True, exist_ok=True)
        kept[name] = tuple(
            Artefact(Path(shutil.copy2(a.path, directory / name / a.filename)), a.sha256) for a in files
        )
    return kept


def refuse_changed(artefacts: Artefacts, tag: str, present: tuple[PublishedVersion, ...]) -> None:
    """Versions of `tag` already in the registry must be what we packaged: a published file
    cannot change."""
    clashes = []
    for there in present:
        _, differ = compare_files(artefacts.get(there.name, ()), there)
        clashes += [f"{there.name} {there.version}: {c}" for c in differ]
    if clashes:
        from release_train.flows.publish.execute import PublishFailed

        listed = "\n".join(f"  - {c}" for c in clashes)
        raise PublishFailed(
            f"versions already in the registry differ from what {tag} packages to:\n{listed}",
            hint="a published version cannot change: bump the version (release-patch) and publish that",
        )
