"""Where each recent release tag stands: its packages in the registry, its forge release.

For every supported release line, every tag of the line with its date (the patch releases); for
the recent ones (the latest tag of each supported line, and any tag of the last `RECENT_DAYS`),
the packages of the tag's workspace against the registry's index and whether the forge has a
(non-draft) release for it. Read only: the registry is asked, nothing is uploaded.

A registry that cannot be read (not configured, not running) does not fail the status: the facts
of each tag say why its packages are unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from release_train.errors import ReleaseTrainError
from release_train.flows.env import FlowEnv
from release_train.flows.lines import Line, commit_dates
from release_train.model.branches import parse_name
from release_train.registries.interface import Registry

RECENT_DAYS = 31


@dataclass(frozen=True)
class TagFacts:
    tag: str
    branch: str  # the release line it belongs to
    date: date | None  # the committer date of the tagged commit
    checked: bool = False  # packages and forge release were looked up (recent tags only)
    packages: tuple[tuple[str, str], ...] = ()  # (name, version) of every package it publishes
    published: tuple[str, ...] = ()  # names of those the registry lists at that version
    forge_release: bool = False
    unknown: str = ""  # why the packages could not be checked (the registry could not be read)

    @property
    def missing(self) -> tuple[str, ...]:
        """What the release still lacks, for people: each package not in the registry, the
        forge release."""
        if not self.checked:
            return ()
        found = set(self.published)
        out = [] if self.unknown else [f"{n} {v}" for n, v in self.packages if n not in found]
        if not self.forge_release:
            out.append("forge release")
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "branch": self.branch,
            "date": self.date.isoformat() if self.date else None,
            "checked": self.checked,
            "packages": [
                {"name": n, "version": v, "published": n in self.published} for n, v in self.packages
            ],
            "published": len(self.published),
            "total": len(self.packages),
            "forge_release": self.forge_release,
            "missing": list(self.missing),
            "unknown": self.unknown or None,
        }


def gather(env: FlowEnv, lines: Sequence[Line], now: datetime) -> tuple[TagFacts, ...]:
    """The tags of every supported line, newest line first, newest tag first within a line."""
    listed = _line_tags(env, [line for line in lines if line.supported])
    if not listed:
        return ()
    since = now.date() - timedelta(days=RECENT_DAYS)
    latest = {facts.branch: facts.tag for facts in listed}  # ascending: the highest tag wins
    recent = [f for f in listed if latest[f.branch] == f.tag or (f.date is not None and f.date >= since)]
    checked = {facts.tag: facts for facts in _check(env, recent)}
    return tuple(checked.get(facts.tag, facts) for facts in reversed(listed))


def _line_tags(env: FlowEnv, lines: Sequence[Line]) -> list[TagFacts]:
    """Every tag of `lines`, ascending by (line, version)."""
    pattern = env.settings.release.tag
    by_line = {(line.version.major, line.version.minor): line.branch for line in lines}
    found = []
    for name, sha in env.git.tags(pattern.replace("{version}", "*")).items():
        version = parse_name(pattern, name)
        branch = by_line.get((version.major, version.minor)) if version else None
        if version is not None and branch is not None:
            found.append((branch, version, name, sha))
    found.sort(key=lambda item: (item[1].major, item[1].minor, item[1]))
    dates = commit_dates(env.git, [sha for *_, sha in found])
    return [TagFacts(name, branch, dates.get(sha)) for branch, _, name, sha in found]


def _check(env: FlowEnv, recent: Sequence[TagFacts]) -> list[TagFacts]:
    releases = {r.tag for r in env.forge.list_releases() if not r.draft}
    try:
        registry = env.open_registry()
    except ReleaseTrainError as exc:
        return [_facts(f, (), (), releases, f"the registry is not configured: {exc.message}") for f in recent]
    out = []
    for facts in recent:
        packages = _packages(env, facts.tag)
        published, unknown = _published(registry, packages)
        out.append(_facts(facts, packages, published, releases, unknown))
    return out


def _facts(
    facts: TagFacts,
    packages: tuple[tuple[str, str], ...],
    published: tuple[str, ...],
    releases: set[str],
    unknown: str,
) -> TagFacts:
    return TagFacts(
        facts.tag, facts.branch, facts.date, True, packages, published, facts.tag in releases, unknown
    )


def _packages(env: FlowEnv, tag: str) -> tuple[tuple[str, str], ...]:
    """(name, version) of every package the tag's workspace publishes, in publish order."""
    from release_train.flows.branchwork import checkout
    from release_train.workspaces import load_workspace

    with checkout(env, f"refs/tags/{tag}") as (_, settings):
        return tuple((p.name, str(p.version)) for p in load_workspace(settings).publish_order())


def _published(registry: Registry, packages: Sequence[tuple[str, str]]) -> tuple[tuple[str, ...], str]:
    """The names the registry lists at their version, and why it could not be read (or "")."""
    from release_train.registries.interface import RegistryError

    def listed(package: tuple[str, str]) -> bool:
        name, version = package
        return version in registry.versions(name)

    try:
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="tag-facts") as pool:
            flags = list(pool.map(listed, packages))
    except RegistryError as exc:
        return (), f"the registry could not be read: {exc.message}"
    return tuple(name for (name, _), ok in zip(packages, flags, strict=True) if ok), ""
