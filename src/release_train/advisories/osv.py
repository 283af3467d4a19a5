"""A directory of OSV JSON files (the advisory-db's `osv` branch, an osv.dev export, or files
written by hand), for the `crates.io` ecosystem.

A version is affected when it is listed in `versions[]` or falls inside a `SEMVER` / `ECOSYSTEM`
range: walking the events in version order, `introduced` opens the range, `fixed` closes it at
that version, `last_affected` closes it just after. `GIT` ranges name commits and are ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from release_train.advisories import Advisory, AdvisoryError
from release_train.model.version import Version
from release_train.values import dataclass

ECOSYSTEM = "crates.io"
_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 1, "limit": 1}


@dataclass(frozen=True)
class OsvVersions:
    ranges: tuple[tuple[tuple[str, Version], ...], ...]  # each range: its (event, version) pairs, sorted
    listed: frozenset[Version] = frozenset()

    def affects(self, version: Version) -> bool:
        return version in self.listed or any(_in_range(events, version) for events in self.ranges)


def _in_range(events: tuple[tuple[str, Version], ...], version: Version) -> bool:
    affected = False
    for kind, at in events:
        if kind == "introduced" and version >= at:
            affected = True
        elif (
            (kind == "fixed" and version >= at)
            or (kind == "last_affected" and version > at)
            or (kind == "limit" and version >= at)
        ):
            affected = False
    return affected


def read_osv_dir(root: Path) -> list[Advisory]:
    """Every crates.io advisory in the JSON files under `root` (searched recursively)."""
    if not root.is_dir():
        raise AdvisoryError(
            f"OSV directory {root} does not exist",
            hint="point [gates] osv-dir at a directory of OSV JSON files, or set it to an empty string",
        )
    found: list[Advisory] = []
    for path in sorted(root.rglob("*.json")):
        found.extend(parse_osv(path))
    return found


def parse_osv(path: Path) -> list[Advisory]:
    """The advisories of one OSV file: one per affected crates.io package."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AdvisoryError(f"{path}: malformed JSON: {exc}", hint="fix or remove the file") from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise AdvisoryError(f"{path}: not an OSV record (no `id`)", hint="fix or remove the file")
    ident: str = data["id"]
    special = data.get("database_specific") or {}
    informational = special.get("informational") if isinstance(special, dict) else None
    advisories: list[Advisory] = []
    for affected in data.get("affected") or []:
        package = affected.get("package") or {}
        if package.get("ecosystem") != ECOSYSTEM or not isinstance(package.get("name"), str):
            continue
        advisories.append(
            Advisory(
                id=ident,
                package=package["name"],
                title=str(data.get("summary") or ident),
                versions=_versions(path, affected),
                url=_url(data),
                source="osv",
                informational=informational if isinstance(informational, str) else "",
                withdrawn=bool(data.get("withdrawn")),
            )
        )
    return advisories


def _versions(path: Path, affected: dict[str, Any]) -> OsvVersions:
    ranges: list[tuple[tuple[str, Version], ...]] = []
    for item in affected.get("ranges") or []:
        if item.get("type") not in ("SEMVER", "ECOSYSTEM"):
            continue
        events: list[tuple[str, Version]] = []
        for event in item.get("events") or []:
            for kind, text in event.items():
                if kind in _ORDER:
                    events.append((kind, _version(path, "0.0.0-0" if text == "0" else text)))
        # "0" means "from the very first version": 0.0.0-0 ranks below every real version.
        events.sort(key=lambda e: (e[1], _ORDER[e[0]]))
        ranges.append(tuple(events))
    listed = frozenset(_version(path, v) for v in affected.get("versions") or [] if Version.is_valid(v))
    return OsvVersions(tuple(ranges), listed)


def _version(path: Path, text: str) -> Version:
    if not Version.is_valid(text):
        raise AdvisoryError(f"{path}: {text!r} is not a semantic version", hint="fix or remove the file")
    return Version.parse(text)


def _url(data: dict[str, Any]) -> str:
    for ref in data.get("references") or []:
        if ref.get("type") in ("ADVISORY", "WEB") and isinstance(ref.get("url"), str):
            return str(ref["url"])
    return ""
