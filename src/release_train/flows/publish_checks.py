"""What a registry would reject, checked before anything is uploaded, every offender at once.

crates.io refuses a package without `description` or without `license`/`license-file`, a
`readme`/`license-file` that names a missing file, and a `.crate` over 10 MiB. Cargo itself only
warns about the first two, and stops at the first missing file: we list them all.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from release_train.errors import RefusedError
from release_train.workspaces.interface import Package, Workspace

MAX_CRATE_BYTES = 10 * 1024 * 1024


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


def metadata_problems(ws: Workspace, packages: Iterable[Package]) -> list[str]:
    inherited = _read(ws.root / "Cargo.toml").get("workspace", {}).get("package", {})
    problems: list[str] = []
    for pkg in packages:
        table = _read(pkg.manifest).get("package", {})
        where = f"{pkg.name} ({pkg.manifest.relative_to(ws.root) if pkg.manifest.is_relative_to(ws.root) else pkg.manifest})"
        if not _field(table, inherited, "description"):
            problems.append(f"{where}: no `description`")
        license_file = _field(table, inherited, "license-file")
        if not _field(table, inherited, "license") and not license_file:
            problems.append(f"{where}: no `license` (an SPDX expression) or `license-file`")
        # Inherited paths are relative to the workspace root, the others to the package.
        for key in ("readme", "license-file"):
            value = _field(table, inherited, key)
            if isinstance(value, str):
                base = ws.root if isinstance(table.get(key), dict) else pkg.directory
                if not (base / value).is_file():
                    problems.append(f"{where}: `{key}` names {value}, which does not exist")
    return problems


def size_problems(crate_files: dict[str, Path]) -> list[str]:
    problems = []
    for name, path in sorted(crate_files.items()):
        size = path.stat().st_size if path.is_file() else 0
        if size > MAX_CRATE_BYTES:
            problems.append(f"{name}: {path.name} is {size / 2**20:.1f} MiB, over the 10 MiB limit")
    return problems


def raise_if_any(problems: list[str], what: str, hint: str) -> None:
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise MetadataError(f"{what} ({len(problems)}):\n{listed}", hint=hint)
