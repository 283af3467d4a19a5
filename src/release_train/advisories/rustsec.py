"""A local checkout of the RustSec advisory-db (github.com/rustsec/advisory-db).

Layout: `crates/<crate>/RUSTSEC-YYYY-NNNN.md`, each a Markdown file that opens with a fenced TOML
block (`[advisory]`, `[versions]`, optional `[affected]`), then `# Title`. Only the directories of
crates the lock file names are read, so a check costs a few files, not the whole database.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from release_train.advisories import Advisory, AdvisoryError
from release_train.model.cargo_req import Requirement, RequirementError, any_matches
from release_train.model.version import Version
from release_train.values import dataclass

_FENCE = re.compile(r"\A\s*```toml\s*\n(?P<toml>.*?)\n```[ \t]*\n?(?P<rest>.*)\Z", re.S)
_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.M)


@dataclass(frozen=True)
class RustsecVersions:
    """Vulnerable when the version matches neither `patched` nor `unaffected`."""

    patched: tuple[Requirement, ...]
    unaffected: tuple[Requirement, ...] = ()

    def affects(self, version: Version) -> bool:
        return not any_matches(self.patched, version) and not any_matches(self.unaffected, version)


def read_advisory_db(root: Path, crates: Iterable[str]) -> list[Advisory]:
    """The advisories of `crates` in the advisory-db checkout at `root`."""
    if not (root / "crates").is_dir():
        raise AdvisoryError(
            f"{root} is not a RustSec advisory-db checkout (it has no crates/ directory)",
            hint="git clone https://github.com/rustsec/advisory-db and point [gates] advisory-db at it",
        )
    found: list[Advisory] = []
    for crate in sorted(set(crates)):
        directory = root / "crates" / crate
        if directory.is_dir():
            found.extend(parse_advisory(path) for path in sorted(directory.glob("*.md")))
    return found


def parse_advisory(path: Path) -> Advisory:
    text = path.read_text(encoding="utf-8")
    match = _FENCE.match(text)
    if match is None:
        raise AdvisoryError(f"{path}: an advisory opens with a ```toml block", hint=_HINT)
    try:
        data = tomllib.loads(match["toml"])
    except tomllib.TOMLDecodeError as exc:
        raise AdvisoryError(f"{path}: malformed TOML: {exc}", hint=_HINT) from exc
    advisory, versions = data.get("advisory"), data.get("versions")
    if not isinstance(advisory, dict) or not isinstance(versions, dict):
        raise AdvisoryError(f"{path}: needs an [advisory] and a [versions] table", hint=_HINT)
    title = _TITLE.search(match["rest"])
    ident, package = advisory.get("id"), advisory.get("package")
    if not isinstance(ident, str) or not isinstance(package, str):
        raise AdvisoryError(f"{path}: [advisory] needs `id` and `package`", hint=_HINT)
    informational = advisory.get("informational", "")
    return Advisory(
        id=ident,
        package=package,
        title=title.group(1) if title else ident,
        versions=RustsecVersions(
            _requirements(path, versions, "patched"), _requirements(path, versions, "unaffected")
        ),
        url=str(advisory.get("url") or f"https://rustsec.org/advisories/{ident}.html"),
        source="advisory-db",
        informational=informational if isinstance(informational, str) else "",
        withdrawn=bool(advisory.get("withdrawn")),
    )


def _requirements(path: Path, versions: dict[str, Any], key: str) -> tuple[Requirement, ...]:
    raw = versions.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise AdvisoryError(f"{path}: [versions] {key} must be a list of requirement strings", hint=_HINT)
    try:
        return tuple(Requirement.parse(r) for r in raw)
    except RequirementError as exc:
        raise AdvisoryError(f"{path}: {exc.message}", hint=_HINT) from exc


_HINT = (
    "fix or remove the file (see the advisory-db's CONTRIBUTING.md for the format), or update the checkout"
)
