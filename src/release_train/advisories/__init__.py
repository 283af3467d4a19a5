"""Advisories about the workspace's dependencies, read offline: a local RustSec advisory-db
checkout (`rustsec.py`) and directories of OSV JSON (`osv.py`), matched against the registry
packages `Cargo.lock` pins (`lockfile.py`) with Cargo's requirement rules (`cargo_req.py`).

What counts (semver-and-advisories notes, section 5): an advisory that is not withdrawn, not
informational (notice / unmaintained / unsound warn elsewhere, they do not block a release), and
whose version sets say the locked version is affected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from release_train.errors import ReleaseTrainError
from release_train.forges.interface import SecurityIssue
from release_train.model.version import Version
from release_train.values import dataclass


class AdvisoryError(ReleaseTrainError):
    """An advisory file or the lock file cannot be read."""

    exit_code = 4


class VersionSet(Protocol):
    def affects(self, version: Version) -> bool: ...


@dataclass(frozen=True)
class Advisory:
    id: str
    package: str  # the crate it is about
    title: str
    versions: VersionSet
    url: str = ""
    source: str = "advisory-db"  # "advisory-db" | "osv"
    informational: str = ""  # "", "notice", "unmaintained", "unsound"
    withdrawn: bool = False

    @property
    def blocks(self) -> bool:
        return not self.withdrawn and not self.informational


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: Version

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


def vulnerable(locked: Iterable[LockedPackage], advisories: Iterable[Advisory]) -> list[SecurityIssue]:
    """One `SecurityIssue` per blocking advisory that affects a locked package, naming each
    affected `name@version`; the same id from two sources (the db and its OSV export) counts once."""
    by_name: dict[str, list[LockedPackage]] = {}
    for package in locked:
        by_name.setdefault(package.name, []).append(package)
    found: dict[str, SecurityIssue] = {}
    for advisory in advisories:
        if not advisory.blocks or advisory.id in found:
            continue
        hits = tuple(
            str(p) for p in by_name.get(advisory.package, []) if advisory.versions.affects(p.version)
        )
        if hits:
            found[advisory.id] = SecurityIssue(
                id=advisory.id, title=advisory.title, url=advisory.url, source=advisory.source, packages=hits
            )
    return sorted(found.values(), key=lambda issue: issue.id)
