"""The registry packages a `Cargo.lock` pins, as name@version pairs.

Workspace members and path dependencies have no `source` line and are left out: an advisory
about one of our own packages is the forge's business (a repository advisory), and the lock on a
release branch holds the version being fixed, which would block the very patch that fixes it.
"""

from __future__ import annotations

import tomllib

from release_train.advisories import AdvisoryError, LockedPackage
from release_train.model.version import Version

REGISTRY_SOURCES = ("registry+", "sparse+")


def locked_packages(text: str, where: str = "Cargo.lock") -> list[LockedPackage]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AdvisoryError(
            f"{where}: malformed lock file: {exc}", hint="regenerate it with `cargo generate-lockfile`"
        ) from exc
    found: list[LockedPackage] = []
    for entry in data.get("package", []):
        source, name, version = entry.get("source", ""), entry.get("name"), entry.get("version", "")
        if not isinstance(source, str) or not source.startswith(REGISTRY_SOURCES):
            continue
        if isinstance(name, str) and isinstance(version, str) and Version.is_valid(version):
            found.append(LockedPackage(name, Version.parse(version)))
    return found
